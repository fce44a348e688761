// The template validates against the CloudFormation resource model, the validator really rejects
// broken templates, and the inline Lambda code is the tested file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseTemplate, validateTemplate } from './validate-template.mjs';
import { inlineSource, templatePath, sourcePath } from './inline-code.mjs';

const text = readFileSync(templatePath, 'utf8');

test('template.yaml validates against the CloudFormation resource model', () => {
  assert.deepEqual(validateTemplate(parseTemplate(text)), []);
});

test('the inline ZipFile is exactly token-refresher/index.js', () => {
  const template = parseTemplate(text);
  assert.equal(template.Resources.TokenRefresher.Properties.Code.ZipFile, readFileSync(sourcePath, 'utf8'));
  assert.equal(inlineSource(text, readFileSync(sourcePath, 'utf8')), text);
});

function broken(mutate) {
  const t = parseTemplate(text);
  mutate(t);
  return validateTemplate(t).join('\n');
}

test('validator rejects an unknown property', () => {
  assert.match(broken((t) => { t.Resources.ErrorBucket.Properties.Encryption = 'AES256'; }), /ErrorBucket.Properties: unknown property Encryption/);
});

test('validator rejects an unknown nested property of the HTTP action', () => {
  assert.match(broken((t) => { t.Resources.ClicksTopicRule.Properties.TopicRulePayload.Actions[0].Http.Retries = 2; }), /Http: unknown property Retries/);
});

test('validator rejects an unknown resource type', () => {
  assert.match(broken((t) => { t.Resources.ErrorBucket.Type = 'AWS::S3::Bukket'; }), /unknown resource type AWS::S3::Bukket/);
});

test('validator rejects a missing required property', () => {
  assert.match(broken((t) => { delete t.Resources.TokenRefresher.Properties.Role; }), /missing required property Role/);
});

test('validator rejects a Ref to something that does not exist', () => {
  assert.match(broken((t) => { t.Resources.ClicksTopicRule.Properties.TopicRulePayload.Actions[0].Http.Url = { Ref: 'IngestUri' }; }), /Ref to unknown IngestUri/);
});

test('validator rejects a GetAtt of an attribute the resource lacks', () => {
  assert.match(broken((t) => { t.Resources.TokenRefresher.Properties.Role = { 'Fn::GetAtt': ['TokenRefresherRole', 'Arnn'] }; }), /AWS::IAM::Role has no attribute Arnn/);
});

test('validator rejects a value of the wrong type and a value outside an enum', () => {
  const errors = broken((t) => {
    t.Resources.TokenRefresher.Properties.MemorySize = 'lots';
    t.Resources.IngestDestination.Properties.Status = 'MAYBE';
  });
  assert.match(errors, /MemorySize: expected a number/);
  assert.match(errors, /Status: MAYBE is not one of/);
});

test('validator rejects a parameter default outside its range', () => {
  assert.match(broken((t) => { t.Parameters.MaxBatchSize.Default = 11; }), /Default 11 > MaxValue 10/);
});
