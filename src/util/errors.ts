/** An error about one file or folder: its message starts with the path, then says what is wrong. */
export class PathError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = new.target.name;
  }
}
