/** The example's topics: one queue, and one engine, each. */
export enum Topic {
  Imports = 'imports',
  Checks = 'checks',
  Reports = 'reports',
}
