// YAML text → a plain value, safely, and a map back from YAML paths to lines. Alias bombs, recursive
// aliases, deep nesting and binary data are problems with a line, like any other; nothing here can
// exhaust memory or the stack or throw past the caller.
import { isAlias, isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';

/** Nesting deeper than any config needs; deeper input is refused before anything walks it. */
export const MAX_DEPTH = 64;
/** Aliases expanded, counted the `yaml` package's way (each alias costs the size of what it points at). */
export const MAX_ALIAS_COUNT = 100;

export interface YamlProblem {
  readonly message: string;
  readonly line: number | undefined;
}

export interface YamlSource {
  /** The document as plain data (undefined when there are problems). */
  readonly value: unknown;
  readonly problems: readonly YamlProblem[];
  /** The line of a YAML path (["services", 1, "priority"]), or of its nearest ancestor in the file. */
  lineOf(path: readonly (string | number)[]): number | undefined;
}

function resolve(node: unknown, doc: Document): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

/**
 * The offset where the text first nests deeper than MAX_DEPTH, counted before parsing (the parser recurses
 * once per level and runs out of stack): each deeper indentation or "- " of a block is a level, each [ or {
 * outside quotes and comments another. An estimate on the safe side: a config is nowhere near it.
 */
function tooDeepAt(text: string): number | undefined {
  const indents: number[] = [];
  let flow = 0;
  let quote: string | undefined;
  let lineStart = true;
  for (let i = 0; i < text.length; i++) {
    if (lineStart && !quote && flow === 0) {
      lineStart = false;
      let col = 0;
      while (text[i + col] === ' ') col++;
      const first = text[i + col];
      if (first !== undefined && first !== '\n' && first !== '#') {
        while (indents.length > 0 && (indents[indents.length - 1] ?? 0) >= col) indents.pop();
        indents.push(col);
        // "- - - x": each dash opens a level of its own.
        for (let at = i + col; text[at] === '-' && (text[at + 1] === ' ' || text[at + 1] === '\n'); ) {
          at += 1;
          while (text[at] === ' ') at++;
          indents.push(at - i);
        }
        if (indents.length > MAX_DEPTH) return i + col;
      }
    }
    const c = text[i];
    if (c === '\n') {
      lineStart = !quote && flow === 0;
      continue;
    }
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"') i++;
    } else if (c === '"' || (c === "'" && /[\s[{,:]/.test(text[i - 1] ?? ' '))) quote = c;
    else if (c === '#' && /\s/.test(text[i - 1] ?? ' ')) {
      const end = text.indexOf('\n', i);
      i = (end < 0 ? text.length : end) - 1;
    } else if (c === '[' || c === '{') {
      if (++flow + indents.length > MAX_DEPTH) return i;
    } else if ((c === ']' || c === '}') && flow > 0) flow--;
  }
  return undefined;
}

/** `${VAR}` (or `${VAR:-x}`, `${file:/p}`) written bare inside a flow map, e.g. `auth: {bearer: ${TOKEN}}`: the substitution as written. */
export function unquotedSubstitutionInFlow(line: string): string | undefined {
  const code = line.replace(/\s#.*$/, '');
  const open = code.indexOf('{');
  if (open < 0) return undefined;
  return /[\s,:{[]\$\{[^}'"]*\}/.exec(code.slice(open))?.[0].slice(1);
}

function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

export function readYaml(text: string): YamlSource {
  // Checked before the parser sees the text: it recurses once per level of nesting.
  const deep = tooDeepAt(text);
  const nul = text.indexOf('\u0000');
  if (deep !== undefined || nul >= 0) {
    const problem =
      deep !== undefined
        ? { line: lineOfOffset(text, deep), message: `nested more than ${MAX_DEPTH} levels deep; a config needs far fewer` }
        : { line: lineOfOffset(text, nul), message: 'the file holds binary data (a NUL byte); a config is YAML text' };
    return { value: undefined, problems: [problem], lineOf: () => undefined };
  }
  const lines = new LineCounter();
  const lineAt = (offset: number | undefined): number | undefined => (offset === undefined ? undefined : lines.linePos(offset).line);
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const lineOf = (path: readonly (string | number)[]): number | undefined => {
    let node: unknown = doc.contents;
    let line = lineAt((node as Node | null)?.range?.[0]);
    for (const key of path) {
      node = resolve(node, doc);
      let next: unknown;
      let keyLine: number | undefined;
      if (isMap(node)) {
        const pair = node.items.find(
          (p) => (isScalar(p.key) ? p.key.value : p.key) === key || String(isScalar(p.key) ? p.key.value : p.key) === String(key),
        );
        if (pair) {
          keyLine = lineAt((pair.key as Node | null)?.range?.[0]);
          next = pair.value;
        }
      } else if (isSeq(node) && typeof key === 'number') {
        next = node.items[key];
      }
      if (next === undefined && keyLine === undefined) break;
      line = keyLine ?? lineAt((next as Node | null)?.range?.[0]) ?? line;
      node = next;
    }
    return line;
  };
  const fail = (problems: YamlProblem[]): YamlSource => ({ value: undefined, problems, lineOf });

  if (doc.errors.length > 0) {
    const textLines = text.split('\n');
    const hinted = new Set<number>();
    const problems: YamlProblem[] = [];
    for (const e of doc.errors) {
      const line = e.linePos?.[0].line ?? lines.linePos(e.pos[0]).line;
      const unquoted = unquotedSubstitutionInFlow(textLines[line - 1] ?? '');
      if (unquoted !== undefined) {
        // One line, said once, with the fix, instead of the parser's 5-10 lines about flow-map tokens.
        if (!hinted.has(line))
          problems.push({
            line,
            message: `YAML syntax: ${unquoted} inside { } must be quoted (YAML reads its braces as a map); write '${unquoted}'`,
          });
        hinted.add(line);
        continue;
      }
      problems.push({
        line,
        message: /call stack/i.test(e.message)
          ? `nested too deep to read; a config needs far fewer than ${MAX_DEPTH} levels`
          : `YAML syntax: ${e.message.split('\n')[0] ?? e.message}`,
      });
    }
    // The parser loses its place after such a line: what it says about the lines after is that one mistake again.
    const first = Math.min(...hinted);
    return fail(hinted.size === 0 ? problems : problems.filter((p) => (p.line ?? 0) < first || p.message.includes('must be quoted')));
  }
  const problems: YamlProblem[] = [];
  visit(doc, (_key, node, path) => {
    const depth = path.filter((p) => isCollection(p)).length;
    if (depth > MAX_DEPTH) {
      problems.push({
        line: lineAt((node as Node).range?.[0]),
        message: `nested more than ${MAX_DEPTH} levels deep; a config needs far fewer`,
      });
      return visit.BREAK;
    }
    if (isAlias(node)) {
      const target = node.resolve(doc);
      const line = lineAt(node.range?.[0]);
      if (!target)
        problems.push({ line, message: `alias *${node.source} has no anchor &${node.source} before it; define the anchor first` });
      else if (path.some((p) => p === target || (isPair(p) && (p.key === target || p.value === target)))) {
        problems.push({
          line,
          message: `alias *${node.source} refers to a block that contains it (a recursive alias); a config cannot refer to itself`,
        });
      }
      return visit.SKIP;
    }
    return undefined;
  });
  if (problems.length > 0) return fail(problems);
  try {
    return { value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), problems: [], lineOf };
  } catch (error) {
    // toJS throws a ReferenceError for an alias bomb; anything else it throws is reported the same way.
    const firstAlias = text.search(/(^|[\s[{,])\*[^\s,\]}]+/m);
    const line = firstAlias >= 0 ? lines.linePos(firstAlias).line : undefined;
    const why = /alias count/i.test((error as Error).message)
      ? `aliases expand to more than ${MAX_ALIAS_COUNT} times their size (an alias bomb); write the values out, or use fewer aliases`
      : `cannot be read as data: ${(error as Error).message}`;
    return fail([{ line, message: why }]);
  }
}
