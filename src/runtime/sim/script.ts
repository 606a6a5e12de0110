// Reads a container's command line as the simulated runtime understands it: a plain argv
// (`echo hi`, `sleep 5`) or a shell script (`sh -c "echo $A; sleep 1 && exit 3"`) made of simple
// commands joined by `;`, `&&`, `||` and newlines. Words keep their `$VAR` references so the runner
// expands them against the container's environment as it goes (assignments like `A=1` count).

/** A piece of a word: literal text or a variable reference (`$A`, `${A}`, `${A:-fallback}`). */
export type WordPart = { text: string } | { name: string; fallback?: WordPart[] };
export type Word = WordPart[];

export interface SimpleCommand {
  words: Word[];
  /** Part of a pipeline or a background job: the simulator cannot follow it, so it runs forever. */
  unsupported?: boolean;
  /** Output redirected to a file: it does not reach the log. */
  toFile?: boolean;
}

export interface ListItem {
  /** How this command joins the one before it. */
  join: ';' | '&&' | '||';
  command: SimpleCommand;
}

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'ksh']);

const basename = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/** The list a container runs: a shell's `-c` script, or the argv itself as one command. */
export function parseCommandLine(argv: string[]): ListItem[] {
  if (argv.length === 0) return [];
  if (SHELLS.has(basename(argv[0]!))) {
    // `sh -c script`, `sh -ec script`, `sh -x -c script`: the script follows the flag holding `c`.
    for (let i = 1; i < argv.length; i++) {
      const a = argv[i]!;
      if (!a.startsWith('-')) break;
      if (a.includes('c')) return parseScript(argv[i + 1] ?? '');
    }
    // A shell without -c reads stdin, which never ends here.
    return [{ join: ';', command: { words: argv.map((a) => [{ text: a }]), unsupported: true } }];
  }
  return [{ join: ';', command: { words: argv.map((a) => [{ text: a }]) } }];
}

export function parseScript(script: string): ListItem[] {
  return new ScriptParser(script).parse();
}

class ScriptParser {
  private i = 0;
  private items: ListItem[] = [];
  private words: Word[] = [];
  private word: Word | undefined;
  private join: ListItem['join'] = ';';
  private unsupported = false;
  private toFile = false;

  constructor(private readonly s: string) {}

  parse(): ListItem[] {
    const s = this.s;
    while (this.i < s.length) {
      const c = s[this.i]!;
      if (c === ' ' || c === '\t') {
        this.endWord();
        this.i++;
      } else if (c === '#' && this.word === undefined) {
        while (this.i < s.length && s[this.i] !== '\n') this.i++;
      } else if (c === '\n' || c === ';') {
        this.endCommand(';');
        this.i++;
      } else if (s.startsWith('&&', this.i)) {
        this.endCommand('&&');
        this.i += 2;
      } else if (s.startsWith('||', this.i)) {
        this.endCommand('||');
        this.i += 2;
      } else if ((c === '>' || c === '<') || (/[0-9]/.test(c) && this.word === undefined && (s[this.i + 1] === '>' || s[this.i + 1] === '<'))) {
        this.redirection();
      } else if (c === '&' || c === '|') {
        // A background job or a pipeline: more than a list of simple commands.
        this.unsupported = true;
        this.endCommand(';');
        this.i++;
      } else if (c === "'") {
        const end = s.indexOf("'", this.i + 1);
        const stop = end < 0 ? s.length : end;
        this.literal(s.slice(this.i + 1, stop));
        this.i = stop + 1;
      } else if (c === '"') {
        this.i++;
        this.doubleQuoted();
      } else if (c === '\\') {
        if (s[this.i + 1] === '\n') this.i += 2;
        else {
          this.literal(s[this.i + 1] ?? '');
          this.i += 2;
        }
      } else if (c === '$') {
        this.variable();
      } else {
        this.literal(c);
        this.i++;
      }
    }
    this.endCommand(';');
    return this.items;
  }

  /** `> file`, `2>&1`, `>>log`, `< in`: dropped; output sent to a file leaves the log. */
  private redirection(): void {
    const m = /^[0-9]?(>>|>&|<&|>|<)[ \t]*([^ \t\n;&|]*)/.exec(this.s.slice(this.i))!;
    const toStdout = m[0].startsWith('>') || m[0].startsWith('1>');
    if (toStdout && !m[1]!.includes('&') && m[2] !== '/dev/stdout' && m[2] !== '/dev/stderr') this.toFile = true;
    this.i += m[0].length;
  }

  private doubleQuoted(): void {
    const s = this.s;
    this.literal(''); // "" is still a word
    while (this.i < s.length && s[this.i] !== '"') {
      const c = s[this.i]!;
      if (c === '\\' && '"\\$`\n'.includes(s[this.i + 1] ?? '')) {
        if (s[this.i + 1] !== '\n') this.literal(s[this.i + 1]!);
        this.i += 2;
      } else if (c === '$') {
        this.variable();
      } else {
        this.literal(c);
        this.i++;
      }
    }
    this.i++;
  }

  private variable(): void {
    const s = this.s;
    const rest = s.slice(this.i + 1);
    let m = /^\{([A-Za-z_][A-Za-z0-9_]*)(:?-([^}]*))?\}/.exec(rest);
    if (m) {
      const fallback = m[2] !== undefined ? [{ text: m[3] ?? '' }] : undefined;
      this.part({ name: m[1]!, ...(fallback ? { fallback } : {}) });
      this.i += 1 + m[0].length;
      return;
    }
    m = /^([A-Za-z_][A-Za-z0-9_]*|[0-9?$#])/.exec(rest);
    if (m) {
      this.part({ name: m[1]! });
      this.i += 1 + m[0].length;
      return;
    }
    this.literal('$');
    this.i++;
  }

  private literal(text: string): void {
    this.part({ text });
  }

  private part(p: WordPart): void {
    (this.word ??= []).push(p);
  }

  private endWord(): void {
    if (this.word) this.words.push(this.word);
    this.word = undefined;
  }

  private endCommand(next: ListItem['join']): void {
    this.endWord();
    if (this.words.length) {
      this.items.push({
        join: this.join,
        command: { words: this.words, ...(this.unsupported ? { unsupported: true } : {}), ...(this.toFile ? { toFile: true } : {}) },
      });
    }
    this.words = [];
    this.toFile = false;
    this.join = next;
    if (next === ';') this.unsupported = false;
  }
}

/** A word's text, with its variables taken from `env` (unset ones are empty). */
export function expandWord(word: Word, env: Map<string, string>): string {
  let out = '';
  for (const p of word) {
    if ('text' in p) out += p.text;
    else {
      const v = env.get(p.name);
      out += v === undefined || (v === '' && p.fallback) ? (p.fallback ? expandWord(p.fallback, env) : '') : v;
    }
  }
  return out;
}
