/**
 * A function's result for the last input it was given: a batch repeats its
 * topics, names, locations and millisecond in runs, so each run is escaped or
 * formatted once, not once per record.
 */
export class LastResult<I, O> {
  private input: I | undefined;
  private output: O | undefined;
  private computed = false;

  constructor(private readonly compute: (input: I) => O) {}

  of(input: I): O {
    if (!this.computed || input !== this.input) {
      this.input = input;
      this.output = this.compute(input);
      this.computed = true;
    }
    return this.output as O;
  }
}
