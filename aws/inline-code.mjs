// Keeps the token refresher's inline ZipFile in template.yaml equal to token-refresher/index.js.
//   node aws/inline-code.mjs          rewrites the ZipFile block from the file
//   node aws/inline-code.mjs --check  exits 1 when they differ
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
export const templatePath = join(here, 'template.yaml');
export const sourcePath = join(here, 'token-refresher', 'index.js');

/** Returns the template text with the `ZipFile: |` block replaced by `source`. */
export function inlineSource(template, source) {
  const lines = template.split('\n');
  const start = lines.findIndex((l) => /^\s*ZipFile: \|\s*$/.test(l));
  if (start < 0) throw new Error('template.yaml has no "ZipFile: |" block');
  const keyIndent = lines[start].match(/^\s*/)[0].length;
  let end = start + 1;
  while (end < lines.length && (lines[end].trim() === '' || lines[end].match(/^\s*/)[0].length > keyIndent)) end++;
  const pad = ' '.repeat(keyIndent + 2);
  const body = source.replace(/\n+$/, '').split('\n').map((l) => (l === '' ? '' : pad + l));
  return [...lines.slice(0, start + 1), ...body, '', ...lines.slice(end)].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const template = readFileSync(templatePath, 'utf8');
  const updated = inlineSource(template, readFileSync(sourcePath, 'utf8'));
  if (process.argv.includes('--check')) {
    if (updated !== template) {
      console.error('template.yaml ZipFile differs from token-refresher/index.js: run node aws/inline-code.mjs');
      process.exit(1);
    }
    console.log('template.yaml ZipFile equals token-refresher/index.js');
  } else {
    writeFileSync(templatePath, updated);
    console.log('template.yaml ZipFile updated from token-refresher/index.js');
  }
}
