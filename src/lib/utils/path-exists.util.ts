import { stat } from 'node:fs/promises';

/** Whether anything is at `path`: a file, a directory, anything `stat` can see. */
export function pathExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
