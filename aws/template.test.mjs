// The template passes cfn-lint (the CloudFormation linter, a Python tool installed on this machine image)
// with no finding at all, cfn-lint really fails deliberately broken copies of it, and the inline Lambda
// code is the tested file. .ci/run lints the template itself too; this proves the linter is not a no-op.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inlineSource, templatePath, sourcePath } from './inline-code.mjs';

export const CFN_LINT_VERSION = '1.51.0';
const text = readFileSync(templatePath, 'utf8');

/** Runs cfn-lint on files; returns its exit code and its findings (JSON format) as {file, rule, level, message}. */
function cfnLint(files) {
  const run = spawnSync('cfn-lint', ['--format', 'json', ...files], { encoding: 'utf8', timeout: 120000 });
  if (run.error) throw new Error(`cfn-lint ${CFN_LINT_VERSION} is needed (pip install cfn-lint==${CFN_LINT_VERSION}): ${run.error.message}`);
  const findings = run.stdout.trim() === '' ? [] : JSON.parse(run.stdout);
  return { status: run.status, stderr: run.stderr, findings: findings.map((f) => ({ file: f.Filename, rule: f.Rule.Id, level: f.Level, message: f.Message })) };
}

test(`cfn-lint is version ${CFN_LINT_VERSION} (findings depend on its rules and resource schemas)`, () => {
  const run = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  assert.equal(run.error, undefined, `cfn-lint is not installed: pip install cfn-lint==${CFN_LINT_VERSION}`);
  assert.equal(run.stdout.trim(), `cfn-lint ${CFN_LINT_VERSION}`);
});

// Each broken copy changes one line of the real template; cfn-lint must report the named rule for it.
const BROKEN = {
  // The very finding that hid a bound below the API's minimum (issue 11): a warning is a failure too.
  'MaxBatchSizeBytes below the BatchConfig minimum of 100': ['    MinValue: 100\n    MaxValue: 131072', '    MinValue: 1\n    MaxValue: 131072', 'W1030'],
  'an unknown property of the HTTP action': ['              EnableBatching: !If', '              Retries: 2\n              EnableBatching: !If', 'E3002'],
  'a GetAtt of an attribute the resource lacks': ['Role: !GetAtt TokenRefresherRole.Arn', 'Role: !GetAtt TokenRefresherRole.Arnn', 'E1010'],
  'a Ref to something that does not exist': ['              Url: !Ref IngestUrl', '              Url: !Ref IngestUri', 'E1020'],
  'a parameter default outside its range': ['    Default: 10\n    MinValue: 2', '    Default: 11\n    MinValue: 2', 'E2015'],
  'a value outside an enum': ['      Runtime: nodejs24.x', '      Runtime: nodejs9.x', 'E3030'],
};

// One cfn-lint run for the template and every broken copy (it takes seconds per run, mostly start-up).
const dir = mkdtempSync(join(tmpdir(), 'broken-template-'));
const broken = Object.entries(BROKEN).map(([name, [from, to, rule]], i) => {
  const file = join(dir, `broken-${i}.yaml`);
  writeFileSync(file, text.replace(from, to));
  return { name, from, file, rule };
});
const lint = cfnLint([templatePath, ...broken.map((b) => b.file)]);
rmSync(dir, { recursive: true, force: true });

test('template.yaml has no cfn-lint finding: no error, no warning, no informational', () => {
  assert.deepEqual(lint.findings.filter((f) => f.file === templatePath), []);
});

for (const { name, from, file, rule } of broken) {
  test(`cfn-lint fails a broken copy of the template: ${name} (${rule})`, () => {
    assert.equal(text.split(from).length, 2, 'the line to break must occur exactly once');
    assert.notEqual(lint.status, 0);
    const rules = lint.findings.filter((f) => f.file === file).map((f) => f.rule);
    assert.ok(rules.includes(rule), `expected ${rule}, got ${JSON.stringify(rules)}`);
  });
}

test('the inline ZipFile is exactly token-refresher/index.js', () => {
  assert.equal(inlineSource(text, readFileSync(sourcePath, 'utf8')), text);
});
