'use strict';
// Token refresher: keeps a fresh Auth0 client-credentials access token in Secrets Manager, where the
// AWS IoT rule's ${get_secret(...)} header reads it, and keeps the rule's HTTP destination ENABLED
// (AWS leaves a confirmed destination DISABLED: aws/FACTS.md, "Destination states"). Deployed inline by
// aws/template.yaml (the template's ZipFile is this file, kept equal by a test). CommonJS because
// CloudFormation names inline code index.js. Uses only what the Lambda Node.js runtime ships: global
// fetch and AWS SDK v3.

// The rules engine caches a secret value for up to 15 minutes, so a token must stay valid at least
// that long after it was last read; add a safety margin and one schedule interval (the next run).
const RULES_ENGINE_CACHE_SECONDS = 15 * 60;
const METRIC_NAMESPACE = 'ButtonFunctions/TokenRefresher';

// What to do about a destination that is not ENABLED, by status (aws/FACTS.md, "Destination states").
function destinationNextStep(status, arn) {
  const enable = `aws iot update-topic-rule-destination --arn ${arn} --status ENABLED`;
  const resend = `aws iot update-topic-rule-destination --arn ${arn} --status IN_PROGRESS`;
  switch (status) {
    case 'IN_PROGRESS':
      return `confirmation pending: allow-list the ARN in the function's Destinations__AllowedArns and re-send it (${resend}), or run the aws iot confirm-topic-rule-destination command from the function's log; the next run then enables it`;
    case 'ERROR':
      return `confirmation timed out (the token is valid 3 days): re-send it with ${resend}`;
    case 'DISABLED':
      return `confirmed but disabled, and KeepDestinationEnabled is false: ${enable}`;
    default:
      return `status ${status}: check aws iot get-topic-rule-destination --arn ${arn}`;
  }
}

function settings(env) {
  const required = ['AUTH0_DOMAIN', 'AUTH0_AUDIENCE', 'CREDENTIALS_SECRET_ID', 'TOKEN_SECRET_ID'];
  const missing = required.filter((k) => !env[k]);
  if (missing.length > 0) throw new Error(`missing environment variable(s): ${missing.join(', ')}`);
  const margin = Number(env.SAFETY_MARGIN_SECONDS || 900);
  const interval = Number(env.REFRESH_INTERVAL_MINUTES || 30) * 60;
  return {
    tokenUrl: `https://${env.AUTH0_DOMAIN.replace(/^https:\/\//, '').replace(/\/+$/, '')}/oauth/token`,
    audience: env.AUTH0_AUDIENCE,
    credentialsSecretId: env.CREDENTIALS_SECRET_ID,
    tokenSecretId: env.TOKEN_SECRET_ID,
    refreshWithinSeconds: RULES_ENGINE_CACHE_SECONDS + margin + interval,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME || 'token-refresher',
    destinationArn: env.DESTINATION_ARN || '',
    keepDestinationEnabled: (env.KEEP_DESTINATION_ENABLED || 'true') === 'true',
  };
}

async function readSecretJson(client, commands, secretId) {
  let result;
  try {
    result = await client.send(new commands.GetSecretValueCommand({ SecretId: secretId }));
  } catch (err) {
    // A secret created without a value has no AWSCURRENT version yet.
    if (err && err.name === 'ResourceNotFoundException') return undefined;
    throw err;
  }
  if (!result || typeof result.SecretString !== 'string' || result.SecretString.trim() === '') return undefined;
  try {
    return JSON.parse(result.SecretString);
  } catch {
    return undefined;
  }
}

// Plain JSON lines on stdout: console.log would prefix them (time, request id, level), and CloudWatch
// only extracts embedded metrics from log events that are JSON.
function writeLine(line) {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function createRefresher({ secretsClient, commands, fetch, iotClient, iotCommands, now = () => Date.now(), log = writeLine, env = process.env }) {
  // CloudWatch embedded metric format: the log line becomes a metric with no extra IAM permission.
  const emitMetric = (cfg, name, fields) =>
    log({
      _aws: { Timestamp: now(), CloudWatchMetrics: [{ Namespace: METRIC_NAMESPACE, Dimensions: [['FunctionName']], Metrics: [{ Name: name, Unit: 'Count' }] }] },
      FunctionName: cfg.functionName,
      [name]: 1,
      ...fields,
    });
  const emitRefused = (cfg, reason, status) => emitMetric(cfg, 'Auth0Refused', { message: 'Auth0 refused the token request', reason, status });

  async function refreshToken(cfg) {
    const current = await readSecretJson(secretsClient, commands, cfg.tokenSecretId);
    const expiresAtMs = current && typeof current.access_token === 'string' ? Date.parse(current.expires_at) : NaN;
    const secondsLeft = Number.isNaN(expiresAtMs) ? 0 : Math.floor((expiresAtMs - now()) / 1000);
    if (secondsLeft > cfg.refreshWithinSeconds) {
      // Skipping saves Auth0 machine-to-machine token quota (about 1,000 a month on free plans).
      log({ message: 'token still fresh, not refreshed', expiresAt: current.expires_at, secondsLeft, refreshWithinSeconds: cfg.refreshWithinSeconds });
      return { refreshed: false, expiresAt: current.expires_at };
    }

    const credentials = await readSecretJson(secretsClient, commands, cfg.credentialsSecretId);
    if (!credentials || typeof credentials.client_id !== 'string' || typeof credentials.client_secret !== 'string' || !credentials.client_id || !credentials.client_secret) {
      throw new Error(`secret ${cfg.credentialsSecretId} must hold JSON {"client_id": "...", "client_secret": "..."}`);
    }

    const response = await fetch(cfg.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: credentials.client_id,
        client_secret: credentials.client_secret,
        audience: cfg.audience,
      }).toString(),
      signal: AbortSignal.timeout(10000),
    });
    let body;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      // Auth0 errors are {error, error_description}: safe to log, they carry no secret.
      const reason = body && typeof body.error === 'string' ? body.error : 'http_error';
      emitRefused(cfg, reason, response.status);
      throw new Error(`Auth0 refused the token request: HTTP ${response.status} (${reason})`);
    }
    if (!body || typeof body.access_token !== 'string' || body.access_token === '' || !(Number(body.expires_in) > 0)) {
      emitRefused(cfg, 'malformed_response', response.status);
      throw new Error('Auth0 token response lacks access_token or a positive expires_in');
    }

    const expiresAt = new Date(now() + Number(body.expires_in) * 1000).toISOString();
    await secretsClient.send(
      new commands.PutSecretValueCommand({
        SecretId: cfg.tokenSecretId,
        SecretString: JSON.stringify({ access_token: body.access_token, token_type: body.token_type || 'Bearer', expires_at: expiresAt }),
      }),
    );
    if (Number(body.expires_in) <= cfg.refreshWithinSeconds) {
      log({ message: 'token lifetime is shorter than the refresh window: every run will request a new token', expiresIn: Number(body.expires_in), refreshWithinSeconds: cfg.refreshWithinSeconds });
    }
    log({ message: 'token refreshed', expiresAt, previousSecondsLeft: secondsLeft });
    return { refreshed: true, expiresAt };
  }

  // Confirming an HTTP destination leaves it DISABLED, and a DISABLED destination delivers nothing. Only the
  // DISABLED -> ENABLED step is taken here (the one step AWS allows from DISABLED, and the one a confirmation
  // leaves to do); any other status is logged with its next step and counted as DestinationNotEnabled.
  async function ensureDestination(cfg) {
    if (!iotClient || !iotCommands) throw new Error('DESTINATION_ARN is set but no IoT client was provided');
    const got = await iotClient.send(new iotCommands.GetTopicRuleDestinationCommand({ arn: cfg.destinationArn }));
    const status = got && got.topicRuleDestination ? got.topicRuleDestination.status : undefined;
    if (status === 'ENABLED') return { status, enabledNow: false };
    if (status === 'DISABLED' && cfg.keepDestinationEnabled) {
      await iotClient.send(new iotCommands.UpdateTopicRuleDestinationCommand({ arn: cfg.destinationArn, status: 'ENABLED' }));
      log({ message: 'destination was DISABLED (confirmed, not yet enabled): enabled it', arn: cfg.destinationArn });
      return { status: 'ENABLED', enabledNow: true };
    }
    emitMetric(cfg, 'DestinationNotEnabled', {
      message: 'the HTTP destination is not ENABLED: the rule delivers nothing',
      arn: cfg.destinationArn,
      status: status || 'unknown',
      nextStep: destinationNextStep(status, cfg.destinationArn),
    });
    return { status, enabledNow: false };
  }

  // Both jobs run on every invocation: a token problem must not keep the destination from being enabled, nor
  // the other way round. Any failure fails the invocation, so the Lambda Errors alarm sees it.
  return async function handler() {
    const cfg = settings(env);
    const errors = [];
    let result = {};
    try {
      result = await refreshToken(cfg);
    } catch (err) {
      errors.push(err);
    }
    if (cfg.destinationArn) {
      try {
        result.destination = await ensureDestination(cfg);
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, errors.map((e) => e.message).join('; '));
    return result;
  };
}

let defaultHandler;
exports.createRefresher = createRefresher;
exports.destinationNextStep = destinationNextStep;
exports.handler = async (event) => {
  if (!defaultHandler) {
    // Loaded lazily so tests (which inject fake clients) need no AWS SDK installed.
    const secretsManager = require('@aws-sdk/client-secrets-manager');
    const iot = require('@aws-sdk/client-iot');
    defaultHandler = createRefresher({
      secretsClient: new secretsManager.SecretsManagerClient({}),
      commands: secretsManager,
      iotClient: new iot.IoTClient({}),
      iotCommands: iot,
      fetch: globalThis.fetch,
    });
  }
  return defaultHandler(event);
};
