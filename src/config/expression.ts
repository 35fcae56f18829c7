import { quoteIdent } from '../db/sql-text.ts';
import { didYouMean } from './did-you-mean.ts';

/** Functions a derived-feature expression may call: pure, numeric, deterministic. */
export const SAFE_FUNCTIONS = new Set(['abs', 'sqrt', 'ln', 'log', 'log10', 'log2', 'exp', 'pow', 'power', 'greatest', 'least', 'coalesce', 'round', 'floor', 'ceil', 'sign', 'nullif']);

export interface ParsedExpression {
  /** SQL text with every column quoted. */
  sql: string;
  /** Columns the expression reads. */
  columns: string[];
}

/**
 * Validates a derived-feature expression and re-emits it as SQL. Only numbers, the listed columns,
 * the safe functions, `+ - * /`, parentheses and commas are accepted: nothing else can reach the database.
 */
export function parseExpression(text: string, allowedColumns: ReadonlySet<string>): { ok: true; value: ParsedExpression } | { ok: false; errors: string[] } {
  const tokenRe = /\s*(?:(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|([-+*/(),]))/y;
  const out: string[] = [];
  const columns = new Set<string>();
  const errors: string[] = [];
  let depth = 0;
  let pos = 0;
  const tokens: Token[] = [];
  while (pos < text.length) {
    if (/^\s*$/.test(text.slice(pos))) break;
    tokenRe.lastIndex = pos;
    const m = tokenRe.exec(text);
    if (!m) {
      errors.push(`unexpected character '${text.slice(pos).trimStart()[0]}' at position ${pos + 1}`);
      return { ok: false, errors };
    }
    pos = tokenRe.lastIndex;
    if (m[1] !== undefined) tokens.push({ kind: 'num', text: m[1] });
    else if (m[2] !== undefined) tokens.push({ kind: 'ident', text: m[2] });
    else tokens.push({ kind: 'op', text: m[3] });
  }
  if (tokens.length === 0) return { ok: false, errors: ['expression is empty'] };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'num') out.push(t.text);
    else if (t.kind === 'op') {
      if (t.text === '(') depth++;
      if (t.text === ')') depth--;
      if (depth < 0) errors.push('unbalanced parentheses');
      out.push(t.text);
    } else if (tokens[i + 1]?.text === '(') {
      const fn = t.text.toLowerCase();
      if (!SAFE_FUNCTIONS.has(fn)) errors.push(`function '${t.text}' is not allowed${suggest(fn, SAFE_FUNCTIONS)} (allowed: ${[...SAFE_FUNCTIONS].join(', ')})`);
      out.push(fn);
    } else if (allowedColumns.has(t.text)) {
      columns.add(t.text);
      out.push(quoteIdent(t.text));
    } else {
      errors.push(`unknown column '${t.text}'${suggest(t.text, allowedColumns)} (expressions may use the contract's numeric columns: ${[...allowedColumns].join(', ')})`);
    }
  }
  if (depth !== 0 && !errors.includes('unbalanced parentheses')) errors.push('unbalanced parentheses');
  if (errors.length) return { ok: false, errors };
  const grammar = checkGrammar(tokens);
  if (grammar) return { ok: false, errors: [grammar] };
  return { ok: true, value: { sql: `(${out.join(' ')})`, columns: [...columns] } };
}

/** "; did you mean 'x'?" for a close candidate, or ''. */
function suggest(word: string, candidates: Iterable<string>): string {
  const hint = didYouMean(word, candidates);
  return hint ? `; ${hint}` : '';
}

type Token = { kind: 'num' | 'ident' | 'op'; text: string };

/**
 * Checks that the tokens form one arithmetic expression (recursive descent):
 *   expr := term (("+" | "-") term)*;  term := unary (("*" | "/") unary)*;  unary := ("+" | "-") unary | primary;
 *   primary := number | column | function "(" expr ("," expr)* ")" | "(" expr ")".
 * Returns a message for the first problem, or undefined.
 */
function checkGrammar(tokens: Token[]): string | undefined {
  let i = 0;
  const peek = () => tokens[i];
  const fail = (what: string): never => {
    throw new Error(i < tokens.length ? `${what} at '${tokens[i].text}' (token ${i + 1})` : `${what} at the end`);
  };
  const primary = (): void => {
    const t = peek();
    if (!t) fail('expected a number, column, function or "("');
    if (t.kind === 'num') {
      i++;
      return;
    }
    if (t.kind === 'ident') {
      i++;
      if (peek()?.text !== '(') return;
      i++;
      expr();
      while (peek()?.text === ',') {
        i++;
        expr();
      }
      if (peek()?.text !== ')') fail('expected "," or ")" in the function call');
      i++;
      return;
    }
    if (t.text === '(') {
      i++;
      expr();
      if (peek()?.text !== ')') fail('expected ")"');
      i++;
      return;
    }
    fail('expected a number, column, function or "("');
  };
  const unary = (): void => {
    if (peek()?.text === '-' || peek()?.text === '+') {
      i++;
      unary();
    } else primary();
  };
  const term = (): void => {
    unary();
    while (peek()?.text === '*' || peek()?.text === '/') {
      i++;
      unary();
    }
  };
  const expr = (): void => {
    term();
    while (peek()?.text === '+' || peek()?.text === '-') {
      i++;
      term();
    }
  };
  try {
    expr();
    if (i < tokens.length) fail('expected an operator');
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
