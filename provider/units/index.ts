/** Units as types: bytes, durations and rates. */
export * from './brand';
export * from './bytes';
export * from './duration';
export * from './bandwidth';
