/** A number tagged with its unit at the type level. The tag exists only for the compiler. */
export type Quantity<U extends string> = number & { readonly __unit: U };
