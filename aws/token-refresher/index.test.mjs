// Tests for the token refresher with a fake Secrets Manager client and a fake fetch: no network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import refresher from './index.js';

const NOW = Date.parse('2026-11-25T20:00:00Z');
const ENV = {
  AUTH0_DOMAIN: 'example-tenant.eu.auth0.com',
  AUTH0_AUDIENCE: 'https://buttons.example.com',
  CREDENTIALS_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:creds',
  TOKEN_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:token',
  SAFETY_MARGIN_SECONDS: '900',
  REFRESH_INTERVAL_MINUTES: '30',
};
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.secret-token-value.sig';

class GetSecretValueCommand { constructor(input) { this.name = 'Get'; this.input = input; } }
class PutSecretValueCommand { constructor(input) { this.name = 'Put'; this.input = input; } }

function fakeSecrets(values) {
  const puts = [];
  return {
    puts,
    async send(cmd) {
      if (cmd.name === 'Put') { puts.push(cmd.input); values[cmd.input.SecretId] = cmd.input.SecretString; return {}; }
      const v = values[cmd.input.SecretId];
      if (v === undefined) { const e = new Error('no value'); e.name = 'ResourceNotFoundException'; throw e; }
      return { SecretString: v };
    },
  };
}

function fakeFetch(status, body) {
  const calls = [];
  const fn = async (url, init) => {
    calls.push({ url, init });
    return { ok: status >= 200 && status < 300, status, json: async () => (typeof body === 'string' ? JSON.parse(body) : body) };
  };
  fn.calls = calls;
  return fn;
}

function setup({ tokenSecret, status = 200, body = { access_token: TOKEN, token_type: 'Bearer', expires_in: 86400 } } = {}) {
  const values = { [ENV.CREDENTIALS_SECRET_ID]: JSON.stringify({ client_id: 'cid', client_secret: 'csecret' }) };
  if (tokenSecret !== undefined) values[ENV.TOKEN_SECRET_ID] = tokenSecret;
  const secrets = fakeSecrets(values);
  const fetch = fakeFetch(status, body);
  const logs = [];
  const handler = refresher.createRefresher({
    secretsClient: secrets,
    commands: { GetSecretValueCommand, PutSecretValueCommand },
    fetch,
    now: () => NOW,
    log: (line) => logs.push(JSON.stringify(line)),
    env: ENV,
  });
  return { handler, secrets, fetch, logs };
}

const stored = (secondsLeft) => JSON.stringify({ access_token: 'old-token', expires_at: new Date(NOW + secondsLeft * 1000).toISOString() });

test('refreshes when no token has been stored yet', async () => {
  const { handler, secrets, fetch } = setup();
  const result = await handler({});
  assert.equal(result.refreshed, true);
  assert.equal(fetch.calls.length, 1);
  assert.equal(fetch.calls[0].url, 'https://example-tenant.eu.auth0.com/oauth/token');
  const form = new URLSearchParams(fetch.calls[0].init.body);
  assert.equal(form.get('grant_type'), 'client_credentials');
  assert.equal(form.get('client_id'), 'cid');
  assert.equal(form.get('client_secret'), 'csecret');
  assert.equal(form.get('audience'), 'https://buttons.example.com');
  assert.equal(secrets.puts.length, 1);
  assert.equal(secrets.puts[0].SecretId, ENV.TOKEN_SECRET_ID);
  const saved = JSON.parse(secrets.puts[0].SecretString);
  assert.equal(saved.access_token, TOKEN);
  assert.equal(saved.expires_at, new Date(NOW + 86400 * 1000).toISOString());
});

test('refreshes when the stored token expires within cache + margin + interval', async () => {
  // 15 min cache + 15 min margin + 30 min interval = 3600 s: 3500 s left is too little.
  const { handler, fetch, secrets } = setup({ tokenSecret: stored(3500) });
  const result = await handler({});
  assert.equal(result.refreshed, true);
  assert.equal(fetch.calls.length, 1);
  assert.equal(JSON.parse(secrets.puts[0].SecretString).access_token, TOKEN);
});

test('skips Auth0 when the stored token is still fresh', async () => {
  const { handler, fetch, secrets } = setup({ tokenSecret: stored(3700) });
  const result = await handler({});
  assert.equal(result.refreshed, false);
  assert.equal(fetch.calls.length, 0);
  assert.equal(secrets.puts.length, 0);
});

for (const status of [401, 403, 429, 500, 503]) {
  test(`throws and emits the Auth0Refused metric when Auth0 answers ${status}`, async () => {
    const { handler, secrets, logs } = setup({ status, body: { error: 'access_denied', error_description: 'Unauthorized' } });
    await assert.rejects(handler({}), /Auth0 refused the token request: HTTP \d+ \(access_denied\)/);
    assert.equal(secrets.puts.length, 0);
    const metric = logs.map((l) => JSON.parse(l)).find((l) => l.Auth0Refused === 1);
    assert.ok(metric, 'an embedded-metric log line is written');
    assert.equal(metric._aws.CloudWatchMetrics[0].Metrics[0].Name, 'Auth0Refused');
    assert.equal(metric.status, status);
  });
}

for (const [name, body] of [
  ['no access_token', { token_type: 'Bearer', expires_in: 86400 }],
  ['empty access_token', { access_token: '', expires_in: 86400 }],
  ['no expires_in', { access_token: TOKEN }],
  ['negative expires_in', { access_token: TOKEN, expires_in: -5 }],
  ['a body that is not JSON', 'not json'],
]) {
  test(`throws on a malformed Auth0 response: ${name}`, async () => {
    const fetch = async () => ({ ok: true, status: 200, json: async () => (typeof body === 'string' ? JSON.parse(body) : body) });
    const { secrets } = setup();
    const logs = [];
    const handler = refresher.createRefresher({ secretsClient: secrets, commands: { GetSecretValueCommand, PutSecretValueCommand }, fetch, now: () => NOW, log: (l) => logs.push(l), env: ENV });
    await assert.rejects(handler({}), /lacks access_token or a positive expires_in/);
    assert.equal(secrets.puts.length, 0);
    assert.ok(logs.some((l) => l.Auth0Refused === 1));
  });
}

test('throws when the credentials secret has no client id/secret yet', async () => {
  const secrets = fakeSecrets({});
  const handler = refresher.createRefresher({ secretsClient: secrets, commands: { GetSecretValueCommand, PutSecretValueCommand }, fetch: fakeFetch(200, {}), now: () => NOW, log: () => {}, env: ENV });
  await assert.rejects(handler({}), /must hold JSON \{"client_id"/);
});

test('throws naming the missing environment variable', async () => {
  const { secrets } = setup();
  const handler = refresher.createRefresher({ secretsClient: secrets, commands: { GetSecretValueCommand, PutSecretValueCommand }, fetch: fakeFetch(200, {}), log: () => {}, env: { ...ENV, AUTH0_AUDIENCE: '' } });
  await assert.rejects(handler({}), /AUTH0_AUDIENCE/);
});

test('never logs the access token or the client secret', async () => {
  const ok = setup();
  await ok.handler({});
  const fresh = setup({ tokenSecret: JSON.stringify({ access_token: TOKEN, expires_at: new Date(NOW + 86400000).toISOString() }) });
  await fresh.handler({});
  const refused = setup({ status: 401, body: { error: 'access_denied' } });
  await assert.rejects(refused.handler({}));
  const all = [...ok.logs, ...fresh.logs, ...refused.logs].join('\n');
  assert.ok(ok.logs.length > 0 && fresh.logs.length > 0 && refused.logs.length > 0);
  assert.ok(!all.includes(TOKEN), 'token must not be logged');
  assert.ok(!all.includes('csecret'), 'client secret must not be logged');
});

// --- The HTTP destination: AWS leaves a confirmed destination DISABLED; the refresher enables it. ---

const DESTINATION_ARN = 'arn:aws:iot:eu-west-1:123456789012:ruledestination/http/7a280e6b-5b4b-4f2e-9c0d-3f6c5e1d2a10';

class GetTopicRuleDestinationCommand { constructor(input) { this.name = 'GetDestination'; this.input = input; } }
class UpdateTopicRuleDestinationCommand { constructor(input) { this.name = 'UpdateDestination'; this.input = input; } }

function fakeIot(status, { failUpdate } = {}) {
  const calls = [];
  return {
    calls,
    get status() { return status; },
    async send(cmd) {
      calls.push({ name: cmd.name, input: cmd.input });
      if (cmd.name === 'GetDestination') return { topicRuleDestination: { arn: cmd.input.arn, status } };
      if (failUpdate) { const e = new Error('Rate exceeded'); e.name = 'ThrottlingException'; throw e; }
      // AWS allows ENABLED only from DISABLED.
      if (cmd.input.status === 'ENABLED' && status !== 'DISABLED') { const e = new Error(`cannot enable from ${status}`); e.name = 'InvalidRequestException'; throw e; }
      status = cmd.input.status;
      return {};
    },
  };
}

function withDestination(status, { keep = 'true', tokenSecret = stored(86400), failUpdate, status: authStatus = 200, body } = {}) {
  const values = { [ENV.CREDENTIALS_SECRET_ID]: JSON.stringify({ client_id: 'cid', client_secret: 'csecret' }) };
  // tokenSecret: null means none stored yet (the token job then asks Auth0).
  if (tokenSecret !== null) values[ENV.TOKEN_SECRET_ID] = tokenSecret;
  const secrets = fakeSecrets(values);
  const iot = fakeIot(status, { failUpdate });
  const logs = [];
  const handler = refresher.createRefresher({
    secretsClient: secrets,
    commands: { GetSecretValueCommand, PutSecretValueCommand },
    iotClient: iot,
    iotCommands: { GetTopicRuleDestinationCommand, UpdateTopicRuleDestinationCommand },
    fetch: fakeFetch(authStatus, body ?? { access_token: TOKEN, token_type: 'Bearer', expires_in: 86400 }),
    now: () => NOW,
    log: (line) => logs.push(line),
    env: { ...ENV, DESTINATION_ARN, KEEP_DESTINATION_ENABLED: keep },
  });
  return { handler, iot, logs };
}

const metric = (logs, name) => logs.find((l) => l[name] === 1);

test('a confirmed (DISABLED) destination is enabled, on that one ARN', async () => {
  const { handler, iot, logs } = withDestination('DISABLED');
  const result = await handler({});
  assert.deepEqual(result.destination, { status: 'ENABLED', enabledNow: true });
  assert.equal(iot.status, 'ENABLED');
  assert.deepEqual(iot.calls.map((c) => [c.name, c.input.arn, c.input.status]), [
    ['GetDestination', DESTINATION_ARN, undefined],
    ['UpdateDestination', DESTINATION_ARN, 'ENABLED'],
  ]);
  assert.equal(metric(logs, 'DestinationNotEnabled'), undefined);
});

test('an ENABLED destination is left alone', async () => {
  const { handler, iot } = withDestination('ENABLED');
  const result = await handler({});
  assert.deepEqual(result.destination, { status: 'ENABLED', enabledNow: false });
  assert.deepEqual(iot.calls.map((c) => c.name), ['GetDestination']);
});

for (const [status, nextStep] of [
  ['IN_PROGRESS', /confirmation pending: allow-list the ARN in the function's Destinations__AllowedArns and re-send it \(aws iot update-topic-rule-destination --arn \S+ --status IN_PROGRESS\)/],
  ['ERROR', /confirmation timed out \(the token is valid 3 days\): re-send it with aws iot update-topic-rule-destination --arn \S+ --status IN_PROGRESS/],
]) {
  test(`a destination in ${status} is not touched; the next step is logged and counted`, async () => {
    const { handler, iot, logs } = withDestination(status);
    const result = await handler({});
    assert.deepEqual(result.destination, { status, enabledNow: false });
    assert.deepEqual(iot.calls.map((c) => c.name), ['GetDestination']);
    const line = metric(logs, 'DestinationNotEnabled');
    assert.ok(line, 'a DestinationNotEnabled metric line is written');
    assert.equal(line._aws.CloudWatchMetrics[0].Metrics[0].Name, 'DestinationNotEnabled');
    assert.equal(line.status, status);
    assert.equal(line.arn, DESTINATION_ARN);
    assert.match(line.nextStep, nextStep);
  });
}

test('with KeepDestinationEnabled=false a DISABLED destination stays disabled (a deliberate pause) and is reported', async () => {
  const { handler, iot, logs } = withDestination('DISABLED', { keep: 'false' });
  const result = await handler({});
  assert.deepEqual(result.destination, { status: 'DISABLED', enabledNow: false });
  assert.deepEqual(iot.calls.map((c) => c.name), ['GetDestination']);
  assert.match(metric(logs, 'DestinationNotEnabled').nextStep, /--status ENABLED$/);
});

test('a failed enable fails the invocation (Lambda Errors alarm) after the token was still refreshed', async () => {
  const { handler, logs } = withDestination('DISABLED', { failUpdate: true, tokenSecret: null });
  await assert.rejects(handler({}), /Rate exceeded/);
  assert.ok(logs.some((l) => l.message === 'token refreshed'), 'the token job ran first and completed');
});

test('a token failure does not keep the destination from being enabled; both failures are reported', async () => {
  const auth0Down = withDestination('DISABLED', { tokenSecret: null, status: 503, body: { error: 'temporarily_unavailable' } });
  await assert.rejects(auth0Down.handler({}), /Auth0 refused the token request: HTTP 503/);
  assert.equal(auth0Down.iot.status, 'ENABLED');

  const both = withDestination('DISABLED', { tokenSecret: null, status: 503, body: { error: 'temporarily_unavailable' }, failUpdate: true });
  await assert.rejects(both.handler({}), (err) => err instanceof AggregateError && err.errors.length === 2 && /HTTP 503/.test(err.message) && /Rate exceeded/.test(err.message));
});

test('without DESTINATION_ARN the destination is not looked at', async () => {
  const { handler, secrets } = setup({ tokenSecret: stored(86400) });
  const result = await handler({});
  assert.equal(result.destination, undefined);
  assert.equal(secrets.puts.length, 0);
});

test('DESTINATION_ARN without an IoT client fails loudly rather than skipping', async () => {
  const secrets = fakeSecrets({ [ENV.TOKEN_SECRET_ID]: stored(86400) });
  const handler = refresher.createRefresher({ secretsClient: secrets, commands: { GetSecretValueCommand, PutSecretValueCommand }, fetch: fakeFetch(200, {}), now: () => NOW, log: () => {}, env: { ...ENV, DESTINATION_ARN } });
  await assert.rejects(handler({}), /no IoT client/);
});
