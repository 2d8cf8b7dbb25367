import type { CanActivate, Type } from '@nestjs/common';

/** Options of `MetaqueueBoardModule.forRoot()`. */
export interface MetaqueueBoardOptions {
  /** Where the page is mounted, e.g. `/board` (the default). */
  path?: string;
  /** Guards that protect the page and its JSON endpoints, as `@UseGuards()` takes them. */
  guards?: (CanActivate | Type<CanActivate>)[];
  /** The board never changes anything; `true` says so and is the only value. */
  readOnly?: true;
}
