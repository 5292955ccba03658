/**
 * POSIX shell quoting for the one place where an argument vector becomes a command line: the SSH boundary.
 *
 * An SSH `exec` request carries a single string that the remote user's login shell (`$SHELL -c`) parses.
 * Ferry builds every command as an argument array and quotes it here, exactly once, so that each element
 * arrives as one argument, byte for byte. The quoting is valid for every POSIX `sh` and for bash, dash,
 * ash and zsh (it relies on single quotes only). It is NOT valid for non-POSIX login shells (fish, csh).
 */
import { InvalidInput } from '../errors';

/** Characters that never need quoting in any POSIX shell context (not even as the first character). */
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Words a shell treats specially in command position (POSIX reserved words plus bash/zsh ones). */
const RESERVED = new Set(
  'if then else elif fi case esac for select while until do done in function time coproc foreach repeat'.split(
    ' ',
  ),
);

/**
 * Quotes one argument for a POSIX shell. Safe words are returned as they are; anything else is wrapped in
 * single quotes, with each embedded `'` written as `'\''`. The empty string becomes `''`.
 *
 * @throws InvalidInput when the argument contains a NUL byte (no shell or `execve` can carry one).
 */
export function quoteArg(arg: string, field = 'argv'): string {
  if (arg.includes('\0')) throw new InvalidInput(field, arg, 'an argument without NUL bytes');
  if (arg === '') return "''";
  if (SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * Quotes an argument vector into one command line for `sh -c`. The first element is the program.
 *
 * @throws InvalidInput when `argv` is empty or any element contains a NUL byte.
 */
export function quoteArgv(argv: readonly string[]): string {
  if (argv.length === 0) throw new InvalidInput('argv', argv, 'at least the program name');
  return argv.map((a, i) => (i === 0 ? quoteProgram(a) : quoteArg(a, `argv[${i}]`))).join(' ');
}

/** Like `quoteArg`, but also quotes what would be an assignment (`A=b`) or a reserved word in command position. */
function quoteProgram(arg: string): string {
  const q = quoteArg(arg, 'argv[0]');
  return q === arg && (arg.includes('=') || RESERVED.has(arg)) ? `'${arg}'` : q;
}
