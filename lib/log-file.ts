/**
 * Where the server appends its log lines besides stdout (its `LOG_FILE`).
 * `LogFile.at(path)` names the file; `LogFile.none()` logs to stdout only, which is
 * all that GKE's log collection reads.
 */
export class LogFile {
  /**
   * The file at `path`. An absolute path gets an emptyDir volume mounted at its
   * directory, writable under a read-only root filesystem; a relative one is in the
   * server's working directory, and needs a writable root filesystem.
   *
   * @param path a file path in a directory other than `/`
   */
  public static at(path: string): LogFile {
    return new LogFile(path);
  }

  /** No file: the server logs to stdout only. */
  public static none(): LogFile {
    return new LogFile(undefined);
  }

  /**
   * The file's path, as given; `undefined` for `LogFile.none()`.
   *
   * @internal
   */
  public readonly _path?: string;

  private constructor(path: string | undefined) {
    this._path = path;
  }
}
