/** A topic names a kind of metadata: a string enum member or a plain string. */
export type Topic = string;
