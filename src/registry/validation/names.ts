// Name and key format checks. Each returns the list of problems (empty when fine), worded like the
// messages kube-apiserver 1.32 returns, because kubectl users grep for them.

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const DNS1035_LABEL = '[a-z]([-a-z0-9]*[a-z0-9])?';
const QUALIFIED_NAME_PART = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE = `(${QUALIFIED_NAME_PART})?`;
const CONFIG_KEY = '[-._a-zA-Z0-9]+';
const ENV_VAR_NAME = '[-._a-zA-Z][-._a-zA-Z0-9]*';

const full = (re: string) => new RegExp(`^(?:${re})$`);
const RE = {
  label: full(DNS1123_LABEL),
  subdomain: full(DNS1123_SUBDOMAIN),
  dns1035: full(DNS1035_LABEL),
  namePart: full(QUALIFIED_NAME_PART),
  labelValue: full(LABEL_VALUE),
  configKey: full(CONFIG_KEY),
  envVar: full(ENV_VAR_NAME),
};

/** The upstream "(e.g. 'a',  or 'b', regex used for validation is '...')" suffix, double space included. */
function formatHint(examples: string[], regex: string): string {
  return `(e.g. ${examples.map((e) => `'${e}'`).join(',  or ')}, regex used for validation is '${regex}')`;
}

const tooLong = (max: number) => `must be no more than ${max} characters`;

export const DNS1123_LABEL_MAX = 63;
export const DNS1123_SUBDOMAIN_MAX = 253;

export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123_LABEL_MAX) errs.push(tooLong(DNS1123_LABEL_MAX));
  if (!RE.label.test(value)) {
    errs.push(
      'a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character ' +
        formatHint(['my-name', '123-abc'], DNS1123_LABEL),
    );
  }
  return errs;
}

export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123_SUBDOMAIN_MAX) errs.push(tooLong(DNS1123_SUBDOMAIN_MAX));
  if (!RE.subdomain.test(value)) {
    errs.push(
      'a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character ' +
        formatHint(['example.com'], DNS1123_SUBDOMAIN),
    );
  }
  return errs;
}

export function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123_LABEL_MAX) errs.push(tooLong(DNS1123_LABEL_MAX));
  if (!RE.dns1035.test(value)) {
    errs.push(
      'a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character ' +
        formatHint(['my-name', 'abc-123'], DNS1035_LABEL),
    );
  }
  return errs;
}

/** A name that must survive as one URL path segment (upstream's laxest rule for object names). */
export function isPathSegmentName(value: string): string[] {
  if (value === '.' || value === '..') return [`may not be '${value}'`];
  return isPathSegmentPrefix(value);
}

/** A generateName prefix: '.' or '..' become fine once a suffix is added, so only characters are checked. */
export function isPathSegmentPrefix(value: string): string[] {
  return ['/', '%'].filter((bad) => value.includes(bad)).map((bad) => `may not contain '${bad}'`);
}

/** Label and annotation keys: `[prefix/]name`. */
export function isQualifiedName(value: string): string[] {
  const parts = value.split('/');
  let name: string;
  const errs: string[] = [];
  if (parts.length === 1) {
    name = parts[0]!;
  } else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else for (const msg of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${msg}`);
  } else {
    return [
      'a qualified name must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character ' +
        formatHint(['MyName', 'my.name', '123-abc'], QUALIFIED_NAME_PART) +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) {
    errs.push('name part must be non-empty');
  } else if (name.length > 63) {
    errs.push(`name part ${tooLong(63)}`);
  }
  // An empty name part also fails the pattern, and upstream reports both.
  if (!RE.namePart.test(name)) {
    errs.push(
      'name part must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character ' +
        formatHint(['MyName', 'my.name', '123-abc'], QUALIFIED_NAME_PART),
    );
  }
  return errs;
}

export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push(tooLong(63));
  if (!RE.labelValue.test(value)) {
    errs.push(
      'a valid label must be an empty string or consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character ' +
        formatHint(['MyValue', 'my_value', '12345'], LABEL_VALUE),
    );
  }
  return errs;
}

/** Keys of ConfigMap/Secret data: they become file names when mounted. */
export function isConfigMapKey(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123_SUBDOMAIN_MAX) errs.push(tooLong(DNS1123_SUBDOMAIN_MAX));
  if (!RE.configKey.test(value)) {
    errs.push(
      "a valid config key must consist of alphanumeric characters, '-', '_' or '.' " +
        formatHint(['key.name', 'KEY_NAME', 'key-name'], CONFIG_KEY),
    );
  }
  if (value === '.') errs.push("must not be '.'");
  else if (value === '..') errs.push("must not be '..'");
  else if (value.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

export function isEnvVarName(value: string): string[] {
  const errs: string[] = [];
  if (!RE.envVar.test(value)) {
    errs.push(
      "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit " +
        formatHint(['my.env-name', 'MY_ENV.NAME', 'MyEnvName1'], ENV_VAR_NAME),
    );
  }
  if (value === '.') errs.push("must not be '.'");
  else if (value === '..') errs.push("must not be '..'");
  else if (value.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

/** A name validator as used for metadata.name; `prefix` is true for generateName (trailing '-' allowed). */
export type NameValidator = (name: string, prefix: boolean) => string[];

const maskTrailingDash = (name: string) => (name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name);

export const nameIsDNSSubdomain: NameValidator = (n, prefix) => isDNS1123Subdomain(prefix ? maskTrailingDash(n) : n);
export const nameIsDNSLabel: NameValidator = (n, prefix) => isDNS1123Label(prefix ? maskTrailingDash(n) : n);
export const nameIsDNS1035Label: NameValidator = (n, prefix) => isDNS1035Label(prefix ? maskTrailingDash(n) : n);
export const nameIsPathSegment: NameValidator = (n, prefix) => (prefix ? isPathSegmentPrefix(n) : isPathSegmentName(n));
