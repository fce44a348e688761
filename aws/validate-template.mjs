// Offline CloudFormation template check against the CloudFormation resource model published as
// @aws-cdk/aws-service-spec (the registry schemas the AWS CDK generates its L1 constructs from).
// cfn-lint itself is a Python tool and PyPI is not reachable here; the npm "cfn-lint" package
// bundles a 2019 resource specification that lacks HttpAction batching and TopicRuleDestination.
//
// Checks: template sections; parameter types and defaults against their constraints; every resource
// type exists; every property (recursively) is known, required ones are present, and literal values
// have the right type and allowed value; Ref / Fn::GetAtt / Fn::Sub / Fn::If / DependsOn point at
// parameters, resources, attributes and conditions that exist.
//
//   node aws/validate-template.mjs aws/template.yaml
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { parse } from 'yaml';

const require = createRequire(import.meta.url);

// CloudFormation's YAML short forms, mapped to their long forms.
const FUNCTIONS = ['And', 'Base64', 'Cidr', 'Equals', 'FindInMap', 'GetAZs', 'If', 'ImportValue', 'Join', 'Not', 'Or', 'Select', 'Split', 'Sub', 'Transform', 'ToJsonString', 'Length'];
const customTags = [
  ...['scalar', 'seq', 'map'].flatMap((kind) => [
    ...FUNCTIONS.map((name) => ({ tag: `!${name}`, collection: kind === 'scalar' ? undefined : kind, resolve: (v) => ({ [`Fn::${name}`]: toJs(v) }) })),
    { tag: '!Ref', collection: kind === 'scalar' ? undefined : kind, resolve: (v) => ({ Ref: toJs(v) }) },
    { tag: '!Condition', collection: kind === 'scalar' ? undefined : kind, resolve: (v) => ({ Condition: toJs(v) }) },
    { tag: '!GetAtt', collection: kind === 'scalar' ? undefined : kind, resolve: (v) => { const x = toJs(v); return { 'Fn::GetAtt': typeof x === 'string' ? [x.slice(0, x.indexOf('.')), x.slice(x.indexOf('.') + 1)] : x }; } },
  ]),
].map((t) => (t.collection ? t : { tag: t.tag, resolve: t.resolve }));
function toJs(v) { return v && typeof v.toJSON === 'function' ? v.toJSON() : v; }

export function parseTemplate(text) {
  return parse(text, { customTags, maxAliasCount: -1 });
}

const PSEUDO = new Set(['AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition', 'AWS::Region', 'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix']);
const PARAMETER_TYPES = /^(String|Number|List<Number>|CommaDelimitedList|AWS::SSM::Parameter::Value<.+>|AWS::SSM::Parameter::Name|AWS::[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+|List<AWS::[A-Za-z0-9:]+>)$/;
const SECTIONS = new Set(['AWSTemplateFormatVersion', 'Description', 'Metadata', 'Parameters', 'Rules', 'Mappings', 'Conditions', 'Transform', 'Resources', 'Outputs']);
const RESOURCE_KEYS = new Set(['Type', 'Properties', 'DependsOn', 'Condition', 'DeletionPolicy', 'UpdateReplacePolicy', 'Metadata', 'CreationPolicy', 'UpdatePolicy']);

export function validateTemplate(template, db = require('@aws-cdk/aws-service-spec').loadAwsServiceSpecSync()) {
  const errors = [];
  const err = (path, msg) => errors.push(`${path}: ${msg}`);
  if (!template || typeof template !== 'object') return ['template: not a mapping'];
  for (const k of Object.keys(template)) if (!SECTIONS.has(k)) err(k, 'unknown top-level section');
  const params = template.Parameters ?? {};
  const resources = template.Resources ?? {};
  const conditions = template.Conditions ?? {};
  if (Object.keys(resources).length === 0) err('Resources', 'at least one resource is required');

  for (const [name, p] of Object.entries(params)) {
    const path = `Parameters.${name}`;
    if (!PARAMETER_TYPES.test(p.Type ?? '')) err(path, `unknown parameter type ${p.Type}`);
    if (p.Default === undefined) continue;
    const d = p.Default;
    if (p.AllowedValues && !p.AllowedValues.map(String).includes(String(d))) err(path, `Default ${d} is not one of AllowedValues`);
    if (p.Type === 'Number') {
      if (Number.isNaN(Number(d))) err(path, `Default ${d} is not a number`);
      if (p.MinValue !== undefined && Number(d) < p.MinValue) err(path, `Default ${d} < MinValue ${p.MinValue}`);
      if (p.MaxValue !== undefined && Number(d) > p.MaxValue) err(path, `Default ${d} > MaxValue ${p.MaxValue}`);
    }
    if (p.AllowedPattern && String(d) !== '' && !new RegExp(p.AllowedPattern).test(String(d))) err(path, `Default does not match AllowedPattern`);
  }

  const specs = {};
  for (const [name, r] of Object.entries(resources)) {
    const path = `Resources.${name}`;
    for (const k of Object.keys(r)) if (!RESOURCE_KEYS.has(k)) err(path, `unknown resource attribute ${k}`);
    const spec = db.lookup('resource', 'cloudFormationType', 'equals', r.Type);
    if (spec.length !== 1) { err(path, `unknown resource type ${r.Type}`); continue; }
    specs[name] = spec[0];
    for (const dep of [r.DependsOn ?? []].flat()) if (!(dep in resources)) err(path, `DependsOn ${dep} is not a resource`);
    if (r.Condition && !(r.Condition in conditions)) err(path, `Condition ${r.Condition} is not defined`);
  }

  const refTargets = (id) => PSEUDO.has(id) || id in params || id in resources;
  const checkGetAtt = (path, res, att) => {
    if (!(res in resources)) return err(path, `Fn::GetAtt on unknown resource ${res}`);
    const spec = specs[res];
    if (spec && !(att in (spec.attributes ?? {}))) err(path, `${resources[res].Type} has no attribute ${att}`);
  };
  // Walks intrinsic functions; returns true when `value` is one (its result type is then not checked).
  const intrinsic = (path, value, expected) => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
    const keys = Object.keys(value);
    if (keys.length !== 1 || !(keys[0] === 'Ref' || keys[0].startsWith('Fn::') || keys[0] === 'Condition')) return false;
    const [fn] = keys;
    const arg = value[fn];
    if (fn === 'Ref') { if (!refTargets(arg)) err(path, `Ref to unknown ${arg}`); }
    else if (fn === 'Condition') { if (!(arg in conditions)) err(path, `unknown condition ${arg}`); }
    else if (fn === 'Fn::GetAtt') { if (Array.isArray(arg) && typeof arg[0] === 'string') checkGetAtt(path, arg[0], arg[1]); else err(path, 'Fn::GetAtt needs [resource, attribute]'); }
    else if (fn === 'Fn::Sub') {
      const [text, vars = {}] = Array.isArray(arg) ? arg : [arg];
      if (typeof text !== 'string') err(path, 'Fn::Sub needs a string');
      else for (const m of text.matchAll(/\$\{([^!}][^}]*)\}/g)) {
        const v = m[1].trim();
        if (v in vars) continue;
        if (v.includes('.')) checkGetAtt(path, v.slice(0, v.indexOf('.')), v.slice(v.indexOf('.') + 1));
        else if (!refTargets(v)) err(path, `Fn::Sub variable \${${v}} is not a parameter, resource or pseudo parameter`);
      }
      for (const [k, v] of Object.entries(vars)) walkAny(`${path}.${k}`, v);
    } else if (fn === 'Fn::If') {
      if (!Array.isArray(arg) || arg.length !== 3) return err(path, 'Fn::If needs [condition, then, else]'), true;
      if (!(arg[0] in conditions)) err(path, `Fn::If on unknown condition ${arg[0]}`);
      for (const [i, branch] of [[1, arg[1]], [2, arg[2]]]) {
        if (branch && branch.Ref === 'AWS::NoValue') continue;
        if (expected) checkValue(`${path}[${i}]`, branch, expected); else walkAny(`${path}[${i}]`, branch);
      }
    } else walkAny(path, arg);
    return true;
  };
  const walkAny = (path, v) => {
    if (intrinsic(path, v)) return;
    if (Array.isArray(v)) v.forEach((x, i) => walkAny(`${path}[${i}]`, x));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walkAny(`${path}.${k}`, x);
  };
  const checkProps = (path, props, definitions) => {
    if (intrinsic(path, props)) return;
    if (!props || typeof props !== 'object' || Array.isArray(props)) return err(path, 'expected an object');
    for (const [k, v] of Object.entries(props)) {
      if (!(k in definitions)) err(path, `unknown property ${k}`);
      else checkValue(`${path}.${k}`, v, definitions[k].type);
    }
    for (const [k, d] of Object.entries(definitions)) if (d.required && !(k in props)) err(path, `missing required property ${k}`);
  };
  const checkValue = (path, v, type) => {
    if (intrinsic(path, v, type)) return;
    switch (type.type) {
      case 'string': case 'date-time':
        if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') err(path, 'expected a string');
        else if (type.allowedValues && !type.allowedValues.includes(String(v))) err(path, `${v} is not one of ${type.allowedValues.join(', ')}`);
        break;
      case 'number': case 'integer':
        if (Number.isNaN(Number(v)) || typeof v === 'object' || typeof v === 'boolean') err(path, `expected a number, got ${JSON.stringify(v)}`);
        else if (type.type === 'integer' && !Number.isInteger(Number(v))) err(path, 'expected an integer');
        break;
      case 'boolean':
        if (typeof v !== 'boolean' && v !== 'true' && v !== 'false') err(path, `expected a boolean, got ${JSON.stringify(v)}`);
        break;
      case 'json': walkAny(path, v); break;
      case 'array':
        if (!Array.isArray(v)) err(path, 'expected a list'); else v.forEach((x, i) => checkValue(`${path}[${i}]`, x, type.element));
        break;
      case 'map':
        if (!v || typeof v !== 'object' || Array.isArray(v)) err(path, 'expected a mapping'); else for (const [k, x] of Object.entries(v)) checkValue(`${path}.${k}`, x, type.element);
        break;
      case 'tag': checkProps(path, v, { Key: { type: { type: 'string' }, required: true }, Value: { type: { type: 'string' }, required: true } }); break;
      case 'ref': checkProps(path, v, db.get('typeDefinition', type.reference.$ref).properties); break;
      case 'union': {
        // Accept the value when any member type accepts it.
        const before = errors.length;
        for (const t of type.types) {
          const mark = errors.length;
          checkValue(path, v, t);
          if (errors.length === mark) { errors.length = before; return; }
          errors.length = mark;
        }
        if (errors.length === before) err(path, 'value matches none of the allowed types');
        break;
      }
      default: walkAny(path, v);
    }
  };

  for (const [name, r] of Object.entries(resources)) {
    if (!specs[name]) continue;
    checkProps(`Resources.${name}.Properties`, r.Properties ?? {}, specs[name].properties);
  }
  for (const [name, c] of Object.entries(conditions)) walkAny(`Conditions.${name}`, c);
  for (const [name, o] of Object.entries(template.Outputs ?? {})) {
    if (o.Value === undefined) err(`Outputs.${name}`, 'missing Value');
    walkAny(`Outputs.${name}`, o);
  }
  return errors;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2] ?? new URL('./template.yaml', import.meta.url).pathname;
  const errors = validateTemplate(parseTemplate(readFileSync(file, 'utf8')));
  for (const e of errors) console.error(`error: ${e}`);
  if (errors.length > 0) process.exit(1);
  console.log(`${file}: valid against @aws-cdk/aws-service-spec`);
}
