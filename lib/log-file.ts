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
    return new LogFile({ path });
  }

  /** No file: the server logs to stdout only. */
  public static none(): LogFile {
    return new LogFile(undefined);
  }

  /**
   * The path as given (checked by the construct it is given to: `LogFile.at(undefined)`
   * is an error there, not "none"); `undefined` for `LogFile.none()`.
   *
   * @internal
   */
  public static _fileOf(logFile: LogFile): { readonly path: unknown } | undefined {
    return logFile.file;
  }

  // private: made by its factories only, and `{}` is no LogFile to the type-checker
  private constructor(private readonly file: { readonly path: unknown } | undefined) {}
}
