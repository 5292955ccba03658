import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { InvalidInput } from '../../provider/errors';
import { quoteArg, quoteArgv } from '../../provider/hosts/shell-quote';

/** Runs `printf '%s\0' <quoted args>` in a real shell and splits what it prints. */
function roundTrip(shell: string, args: readonly string[]): string[] {
  const out = execFileSync(shell, ['-c', quoteArgv(['printf', '%s\\0', ...args])]);
  const parts = out.toString('utf8').split('\0');
  parts.pop(); // the terminator of the last field
  return parts;
}

const AWKWARD = [
  ' ',
  '\t',
  '\n',
  "'",
  '"',
  '\\',
  '$',
  '`',
  '(',
  ')',
  '!',
  '*',
  '?',
  '[',
  ']',
  '~',
  '#',
  '=',
  '{',
  '}',
  ';',
  '&',
  '|',
  '<',
  '>',
  '%',
  '-',
  'a',
  'é',
  '😀',
];

describe('quoteArg', () => {
  it.each([
    ['plain', 'plain'],
    ['/usr/sbin/runc', '/usr/sbin/runc'],
    ['--image-path=/x', '--image-path=/x'],
    ['', "''"],
    ['a b', "'a b'"],
    ["it's", "'it'\\''s'"],
    ['$(id)', "'$(id)'"],
    ['`id`', "'`id`'"],
    ['a\nb', "'a\nb'"],
    ['*', "'*'"],
    ['~', "'~'"],
    ['#x', "'#x'"],
    ["'", "''\\'''"],
  ])('quotes %j as %s', (input, expected) => {
    expect(quoteArg(input)).toBe(expected);
  });

  it('rejects NUL bytes, which no command line can carry', () => {
    expect(() => quoteArg('a\0b')).toThrow(InvalidInput);
  });
});

describe('quoteArgv', () => {
  it('rejects an empty vector', () => {
    expect(() => quoteArgv([])).toThrow(InvalidInput);
  });

  it.each([
    [['if'], "'if'"],
    [['A=b', 'x'], "'A=b' x"],
    [['time', 'ls'], "'time' ls"],
    [['ls', 'if', 'A=b'], 'ls if A=b'],
  ])('quotes reserved words and assignments in command position: %j', (argv, expected) => {
    expect(quoteArgv(argv)).toBe(expected);
  });

  it.each(['/bin/sh', '/bin/bash'])('keeps awkward arguments intact through %s', (shell) => {
    const args = ['a b', "it's", '$(echo pwned)', '`id`', 'x\ny', '', '  ', '-n', '*', '"\\"', '\\', '😀'];
    expect(roundTrip(shell, args)).toEqual(args);
  });

  it('round-trips any argument vector through /bin/sh (property)', () => {
    const arg = fc.oneof(
      fc.string({ unit: fc.constantFrom(...AWKWARD), maxLength: 12 }),
      fc.string({ unit: 'grapheme', maxLength: 8 }).filter((s) => !s.includes('\0')),
    );
    fc.assert(
      fc.property(fc.array(arg, { minLength: 1, maxLength: 6 }), (args) => {
        expect(roundTrip('/bin/sh', args)).toEqual(args);
      }),
      { numRuns: 150 },
    );
  });
});
