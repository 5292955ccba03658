/** Pure builders of host commands (argument vectors) and parsers of their output. */
export * from './criu';
export * from './docker-cli';
export * from './docker-paths';
export * from './files';
export * from './runc';
export { isStrictlyInside } from './validate';
