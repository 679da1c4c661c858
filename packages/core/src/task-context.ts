/**
 * What a task receives besides its frames. Core declares the shape; each interpreter provides it.
 */
export interface TaskContext<P = Readonly<Record<string, string | number | boolean>>> {
  /** The run's id, e.g. `"20240131T120000Z-3f2a"`. */
  readonly runId: string;
  /** The step's name. */
  readonly step: string;
  /**
   * The partition this run of the step is for (`"2026-12-01"`), when its input and output share a partition
   * scheme; undefined for an unpartitioned step or one that reads every partition.
   */
  readonly partition?: string;
  /** Run parameters this task declared, resolved and typed. */
  readonly params: P;
  /** Structured log: lands in the run's JSON-lines log with the step name, and on the console. */
  readonly log: TaskLogger;
  /** Non-tabular artefacts next to the data: local paths or `s3://` locations. */
  readonly files: FileStore;
}

export interface TaskLogger {
  debug(message: string, fields?: Readonly<Record<string, unknown>>): void;
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

/** One entry of {@link FileStore.ls}. */
export interface FileEntry {
  readonly path: string;
  readonly type: "file" | "directory";
  readonly size?: number;
}

/** A small file API over local paths and `s3://bucket/key` locations (as Gluepy's storage). */
export interface FileStore {
  exists(path: string): Promise<boolean>;
  ls(path: string): Promise<readonly FileEntry[]>;
  read(path: string): Promise<Uint8Array>;
  readText(path: string): Promise<string>;
  write(path: string, data: string | Uint8Array): Promise<void>;
  rm(path: string, options?: { readonly recursive?: boolean }): Promise<void>;
  cp(from: string, to: string): Promise<void>;
  mkdir(path: string): Promise<void>;
}
