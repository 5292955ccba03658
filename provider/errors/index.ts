/** Ferry's error hierarchy. */
export * from './ferry-error';
