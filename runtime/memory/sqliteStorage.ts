/**
 * StorageBackend on SQLite (either driver): one file holds LTM (with FTS5 full-text and trigram
 * key indexes kept in step inside the same transaction), the episodic log, runs, PAUSE
 * checkpoints and CLAIM queues. WAL journal, so readers (the debugger's memory view) never block
 * the running program, and a crash never loses a committed write.
 */
import { randomUUID } from 'node:crypto';
import type { Value } from '../values/value.js';
import { ApxmError } from '../errors.js';
import { checkNotNewer, migrate, schemaVersionOf } from './migrations.js';
import { inTransaction, type SqlDriver, type SqlParam, type SqlStatement } from './sqlDriver.js';
import type {
  Checkpoint,
  EpisodicEvent,
  EpisodicQuery,
  LtmEntry,
  LtmSort,
  QueueTask,
  RunLease,
  RunRecord,
  SearchHit,
  StorageBackend,
} from './storage.js';

type Row = Record<string, unknown>;

const json = (v: Value | undefined): string | null => (v === undefined ? null : JSON.stringify(v));
const parse = (s: unknown): Value => (typeof s === 'string' ? (JSON.parse(s) as Value) : null);
const optParse = (s: unknown): Value | undefined => (s === null || s === undefined ? undefined : parse(s));
const optNum = (n: unknown): number | undefined => (n === null || n === undefined ? undefined : Number(n));

/** Words FTS5 indexes for a key: `trip:lisbon/day_1` → `trip lisbon day 1`. */
function keyWords(key: string): string {
  return key.replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/** Every string leaf (and number) of a value, space-separated, for the full-text index. */
export function valueText(v: Value, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (typeof v === 'number' || typeof v === 'boolean') out.push(String(v));
  else if (Array.isArray(v)) for (const x of v) valueText(x, out);
  else if (v !== null)
    for (const [k, x] of Object.entries(v)) {
      out.push(k);
      valueText(x, out);
    }
  return out;
}

/** FTS5 query words: letters and digits only, each quoted, so user text is never FTS syntax. */
export function ftsWords(query: string): string[] {
  return (query.match(/[\p{L}\p{N}]+/gu) ?? []).map((w) => `"${w}"`);
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}

const EPISODIC_CHUNK = 64;
/** Above this many matching entries, BM25 ranking (which scores every match) costs milliseconds. */
export const RANKED_MATCH_LIMIT = 200;
const INSERT_EPISODES = 'INSERT INTO episodic(run_key, frame_id, node_id, event_type, payload, timestamp) VALUES ';
const ROW = '(?, ?, ?, ?, ?, ?)';
const insertSqlByRows: string[] = [];
/** The INSERT of `rows` episodic rows (the same string each time, so the statement cache finds it at once). */
const insertEpisodesSql = (rows: number): string => (insertSqlByRows[rows] ??= INSERT_EPISODES + Array(rows).fill(ROW).join(', '));

export class SqliteStorage implements StorageBackend {
  readonly kind: string;
  skipped?: readonly string[];
  private closed = false;
  private readonly version: number;
  private readonly stmts = new Map<string, SqlStatement>();
  private readonly runKeys = new Map<string, number>();

  /**
   * `readonly`: the driver opened the file read-only; nothing is written (no journal mode, no
   * migration), and a file of an older schema is read as it is (each version only adds columns).
   */
  constructor(
    private readonly db: SqlDriver,
    readonly location: string,
    options: { readonly?: boolean } = {},
  ) {
    this.kind = db.kind;
    if (options.readonly) {
      db.exec('PRAGMA busy_timeout = 5000');
      this.version = schemaVersionOf(db);
      checkNotNewer(this.version, location);
      if (this.version === 0) {
        throw new ApxmError('E_STORAGE', `${location} is an SQLite file but not an APXM run database (it has no APXM schema)`, {
          place: { file: location },
          hint: 'pass the --db file a run was recorded in',
        });
      }
      return;
    }
    if (location !== ':memory:') db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;');
    this.version = migrate(db, location);
  }

  private q(sql: string): SqlStatement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  private get<T = Row>(sql: string, ...p: SqlParam[]): T | undefined {
    return this.q(sql).get(...p) as T | undefined;
  }

  private all<T = Row>(sql: string, ...p: SqlParam[]): T[] {
    return this.q(sql).all(...p) as T[];
  }

  // ---- LTM

  ltmGet(key: string): LtmEntry | undefined {
    const r = this.get('SELECT key, value, created_at, updated_at FROM ltm WHERE key = ?', key);
    return r && { key: String(r.key), value: parse(r.value), createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) };
  }

  ltmPut(key: string, value: Value, now = Date.now()): void {
    inTransaction(this.db, () => this.putRow(key, value, now));
  }

  /** Many upserts in one transaction (bulk import, benchmarks). */
  ltmPutMany(entries: { key: string; value: Value }[], now = Date.now()): void {
    inTransaction(this.db, () => {
      for (const e of entries) this.putRow(e.key, e.value, now);
    });
  }

  private putRow(key: string, value: Value, now: number): void {
    const body = valueText(value).join(' ');
    const existing = this.get<{ id: number }>('SELECT id FROM ltm WHERE key = ?', key);
    if (existing) {
      const id = Number(existing.id);
      this.q('UPDATE ltm SET value = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(value), now, id);
      this.q('DELETE FROM ltm_text WHERE rowid = ?').run(id);
      this.q('INSERT INTO ltm_text(rowid, key_words, body) VALUES (?, ?, ?)').run(id, keyWords(key), body);
      return;
    }
    const id = Number(
      this.q('INSERT INTO ltm(key, value, created_at, updated_at) VALUES (?, ?, ?, ?)').run(key, JSON.stringify(value), now, now)
        .lastInsertRowid,
    );
    this.q('INSERT INTO ltm_text(rowid, key_words, body) VALUES (?, ?, ?)').run(id, keyWords(key), body);
    this.q('INSERT INTO ltm_keys(rowid, key) VALUES (?, ?)').run(id, key);
  }

  ltmDelete(key: string): boolean {
    return inTransaction(this.db, () => {
      const r = this.get<{ id: number }>('SELECT id FROM ltm WHERE key = ?', key);
      if (!r) return false;
      const id = Number(r.id);
      this.q('DELETE FROM ltm WHERE id = ?').run(id);
      this.q('DELETE FROM ltm_text WHERE rowid = ?').run(id);
      this.q('DELETE FROM ltm_keys WHERE rowid = ?').run(id);
      return true;
    });
  }

  /** Exact key first, then keys starting with the query (by key), then other keys containing it, case-insensitively (by key). */
  ltmSearchKeys(query: string, limit: number): SearchHit[] {
    if (limit <= 0) return [];
    const hits: SearchHit[] = [];
    const seen = new Set<string>();
    const add = (rows: Row[]) => {
      for (const r of rows) {
        const key = String(r.key);
        if (hits.length >= limit || seen.has(key)) continue;
        seen.add(key);
        hits.push({ key, value: parse(r.value), score: 1 });
      }
    };
    if (query === '') {
      add(this.all('SELECT key, value FROM ltm ORDER BY key LIMIT ?', limit));
      return hits;
    }
    add(this.all('SELECT key, value FROM ltm WHERE key = ?', query));
    add(this.all("SELECT key, value FROM ltm WHERE key > ? AND key < ? || x'f48fbfbf' ORDER BY key LIMIT ?", query, query, limit));
    if (hits.length >= limit) return hits;
    const rest =
      [...query].length >= 3
        ? this.all(
            'SELECT l.key, l.value FROM ltm_keys JOIN ltm l ON l.id = ltm_keys.rowid WHERE ltm_keys MATCH ? LIMIT ?',
            `"${query.replace(/"/g, '""')}"`,
            limit + hits.length,
          )
        : this.all(
            "SELECT key, value FROM ltm WHERE key LIKE ? ESCAPE '\\' ORDER BY key LIMIT ?",
            `%${escapeLike(query)}%`,
            limit + hits.length,
          );
    rest.sort((a, b) => (String(a.key) < String(b.key) ? -1 : 1));
    add(rest);
    return hits;
  }

  /**
   * All words of the query, best BM25 first; if no entry has them all, any of the words.
   *
   * BM25 counts, for every word it ranks by, the entries holding it (FTS5 walks the word's whole
   * posting list), and so does the vocabulary table: a word in most of 100k entries costs
   * milliseconds each time. So a word's frequency is only counted up to RANKED_MATCH_LIMIT, ranking
   * uses the rarer words only (among the entries that hold every word), and when every word is
   * that common the matches come newest first, unranked.
   */
  ltmSearchText(query: string, limit: number): SearchHit[] {
    const words = [...new Set(ftsWords(query))];
    if (!words.length || limit <= 0) return [];
    const df = new Map(words.map((w) => [w, this.docFrequencyUpTo(w, RANKED_MATCH_LIMIT + 1)]));
    const present = words.filter((w) => df.get(w)! > 0);
    if (!present.length) return [];
    const rare = present.filter((w) => df.get(w)! <= RANKED_MATCH_LIMIT);
    let rows: Row[] = [];
    if (present.length === words.length) {
      rows = rare.length
        ? this.ranked(rare.join(' '), limit, words.length > rare.length ? words.join(' ') : undefined)
        : this.newestFirst(words.join(' '), limit);
    }
    if (!rows.length && words.length > 1)
      rows = rare.length ? this.ranked(rare.join(' OR '), limit) : this.newestFirst(present.join(' OR '), limit);
    return rows.map((r) => {
      const s = r.rank === undefined ? 1 : Math.max(-Number(r.rank), 1e-9);
      return { key: String(r.key), value: parse(r.value), score: s / (1 + s) };
    });
  }

  /** Matches of `rankBy`, best BM25 first; when `within` is given, only entries that also match it. */
  private ranked(rankBy: string, limit: number, within?: string): Row[] {
    return within === undefined
      ? this.all(
          'SELECT l.key, l.value, bm25(ltm_text) AS rank FROM ltm_text JOIN ltm l ON l.id = ltm_text.rowid WHERE ltm_text MATCH ? ORDER BY rank LIMIT ?',
          rankBy,
          limit,
        )
      : this.all(
          'SELECT l.key, l.value, bm25(ltm_text) AS rank FROM ltm_text JOIN ltm l ON l.id = ltm_text.rowid WHERE ltm_text MATCH ? AND l.id IN (SELECT rowid FROM ltm_text WHERE ltm_text MATCH ?) ORDER BY rank LIMIT ?',
          rankBy,
          within,
          limit,
        );
  }

  /** Matches newest first, unranked (no BM25: it would count every entry of a common word). */
  private newestFirst(match: string, limit: number): Row[] {
    return this.all(
      'SELECT l.key, l.value FROM ltm_text JOIN ltm l ON l.id = ltm_text.rowid WHERE ltm_text MATCH ? ORDER BY ltm_text.rowid DESC LIMIT ?',
      match,
      limit,
    );
  }

  /** Entries whose indexed text holds the (quoted) word, counted up to `cap` (a full count walks the word's whole posting list). */
  private docFrequencyUpTo(quotedWord: string, cap: number): number {
    return Number(
      this.get<{ n: number }>('SELECT count(*) AS n FROM (SELECT 1 FROM ltm_text WHERE ltm_text MATCH ? LIMIT ?)', quotedWord, cap)?.n ?? 0,
    );
  }

  ltmList(offset: number, limit: number, prefix?: string, sort: LtmSort = 'key'): LtmEntry[] {
    // both orders walk an index (ltm.key, ltm_updated): a page never sorts the table
    const order = sort === 'updated' ? 'ORDER BY updated_at DESC, key' : 'ORDER BY key';
    const rows = prefix
      ? this.all(
          `SELECT key, value, created_at, updated_at FROM ltm WHERE key >= ? AND key < ? || x'f48fbfbf' ${order} LIMIT ? OFFSET ?`,
          prefix,
          prefix,
          limit,
          offset,
        )
      : this.all(`SELECT key, value, created_at, updated_at FROM ltm ${order} LIMIT ? OFFSET ?`, limit, offset);
    return rows.map((r) => ({
      key: String(r.key),
      value: parse(r.value),
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
    }));
  }

  ltmCount(prefix?: string): number {
    if (!prefix) return Number(this.get<{ n: number }>('SELECT count(*) AS n FROM ltm')!.n);
    return Number(this.get<{ n: number }>("SELECT count(*) AS n FROM ltm WHERE key >= ? AND key < ? || x'f48fbfbf'", prefix, prefix)!.n);
  }

  // ---- Episodic

  /** The interned integer key of a run id (created on first use unless `create` is false). */
  private runKey(runId: string, create: boolean): number | undefined {
    let key = this.runKeys.get(runId);
    if (key !== undefined) return key;
    const row = this.get<{ key: number }>('SELECT key FROM run_keys WHERE run_id = ?', runId);
    if (row) key = Number(row.key);
    else if (create) key = Number(this.q('INSERT INTO run_keys(run_id) VALUES (?)').run(runId).lastInsertRowid);
    if (key !== undefined) this.runKeys.set(runId, key);
    return key;
  }

  /** One transaction; rows go in through multi-row INSERTs of up to EPISODIC_CHUNK rows (a third of the per-row cost). */
  episodicAppend(events: EpisodicEvent[]): number[] {
    if (!events.length) return [];
    return inTransaction(this.db, () => {
      const seqs: number[] = [];
      const params: SqlParam[] = [];
      const push = (e: EpisodicEvent) =>
        params.push(this.runKey(e.runId, true)!, e.frameId, e.nodeId, e.eventType, e.payloadJson ?? JSON.stringify(e.payload), e.timestamp);
      for (let i = 0; i < events.length;) {
        const rows = Math.min(EPISODIC_CHUNK, events.length - i);
        params.length = 0;
        for (let k = i; k < i + rows; k++) push(events[k]);
        const last = Number(this.q(insertEpisodesSql(rows)).run(...params).lastInsertRowid);
        for (let k = rows - 1; k >= 0; k--) seqs.push(last - k);
        i += rows;
      }
      return seqs;
    });
  }

  episodicQuery(query: EpisodicQuery): EpisodicEvent[] {
    const where: string[] = [];
    const params: SqlParam[] = [];
    if (query.runId !== undefined) {
      const key = this.runKey(query.runId, false);
      if (key === undefined) return [];
      where.push('e.run_key = ?');
      params.push(key);
    }
    if (query.eventType) {
      where.push('instr(e.event_type, ?) > 0');
      params.push(query.eventType);
    }
    if (query.nodeId !== undefined) {
      where.push('e.node_id = ?');
      params.push(query.nodeId);
    }
    if (query.afterSeq !== undefined) {
      where.push('e.seq > ?');
      params.push(query.afterSeq);
    }
    const sql =
      'SELECT e.seq, k.run_id, e.frame_id, e.node_id, e.event_type, e.payload, e.timestamp FROM episodic e JOIN run_keys k ON k.key = e.run_key' +
      (where.length ? ' WHERE ' + where.join(' AND ') : '') +
      ` ORDER BY e.seq ${query.order === 'desc' ? 'DESC' : 'ASC'} LIMIT ? OFFSET ?`;
    return this.all(sql, ...params, query.limit ?? -1, query.offset ?? 0).map((r) => ({
      seq: Number(r.seq),
      runId: String(r.run_id),
      frameId: r.frame_id === null ? null : Number(r.frame_id),
      nodeId: r.node_id === null ? null : Number(r.node_id),
      eventType: String(r.event_type),
      payload: parse(r.payload),
      timestamp: Number(r.timestamp),
    }));
  }

  episodicCount(runId?: string): number {
    if (runId === undefined) return Number(this.get<{ n: number }>('SELECT count(*) AS n FROM episodic')!.n);
    const key = this.runKey(runId, false);
    return key === undefined ? 0 : Number(this.get<{ n: number }>('SELECT count(*) AS n FROM episodic WHERE run_key = ?', key)!.n);
  }

  // ---- Runs

  runPut(run: RunRecord): void {
    this.q(
      `INSERT INTO runs(run_id, program, entry_flow, status, started_at, finished_at, args, result, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(run_id) DO UPDATE SET status = excluded.status, finished_at = excluded.finished_at, result = excluded.result, error = excluded.error`,
    ).run(
      run.runId,
      run.program,
      run.entryFlow,
      run.status,
      run.startedAt,
      run.finishedAt ?? null,
      JSON.stringify(run.args),
      json(run.result),
      json(run.error),
    );
  }

  runGet(runId: string): RunRecord | undefined {
    const r = this.get('SELECT * FROM runs WHERE run_id = ?', runId);
    return r && this.toRun(r);
  }

  runList(limit: number, offset = 0): RunRecord[] {
    return this.all('SELECT * FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ? OFFSET ?', limit, offset).map((r) => this.toRun(r));
  }

  runDelete(runId: string): boolean {
    const deleted = inTransaction(this.db, () => {
      if (Number(this.q('DELETE FROM runs WHERE run_id = ?').run(runId).changes) === 0) return false;
      const key = this.runKey(runId, false);
      if (key !== undefined) {
        this.q('DELETE FROM episodic WHERE run_key = ?').run(key);
        this.q('DELETE FROM run_keys WHERE key = ?').run(key);
      }
      this.q('DELETE FROM checkpoints WHERE run_id = ?').run(runId);
      return true;
    });
    // a run recorded again under this id gets a fresh key
    this.runKeys.delete(runId);
    return deleted;
  }

  runAcquire(run: RunRecord, lease: RunLease, now: number, takeOver?: string): RunRecord {
    // One statement (its own transaction): a new run is inserted; an existing one is taken only if
    // free, expired or held by `takeOver`. RETURNING gives the row when taken; else it is read.
    const taken = this.q(
      `INSERT INTO runs(run_id, program, entry_flow, status, started_at, finished_at, args, result, error,
         lease_token, lease_host, lease_pid, lease_started_at, lease_heartbeat_at, lease_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(run_id) DO UPDATE SET status = excluded.status, finished_at = excluded.finished_at, result = excluded.result, error = excluded.error,
         lease_token = excluded.lease_token, lease_host = excluded.lease_host, lease_pid = excluded.lease_pid,
         lease_started_at = excluded.lease_started_at, lease_heartbeat_at = excluded.lease_heartbeat_at, lease_until = excluded.lease_until
       WHERE runs.status <> 'succeeded' AND (runs.lease_token IS NULL OR runs.lease_until < ? OR runs.lease_token = ?)
       RETURNING *`,
    ).get(
      run.runId,
      run.program,
      run.entryFlow,
      run.status,
      run.startedAt,
      run.finishedAt ?? null,
      JSON.stringify(run.args),
      json(run.result),
      json(run.error),
      lease.token,
      lease.host,
      lease.pid,
      lease.startedAt,
      lease.heartbeatAt,
      lease.expiresAt,
      now,
      takeOver ?? null,
    ) as Row | undefined;
    return taken ? this.toRun(taken) : this.runGet(run.runId)!;
  }

  runRenew(runId: string, token: string, expiresAt: number, now: number): boolean {
    return (
      Number(
        this.q('UPDATE runs SET lease_heartbeat_at = ?, lease_until = ? WHERE run_id = ? AND lease_token = ?').run(
          now,
          expiresAt,
          runId,
          token,
        ).changes,
      ) > 0
    );
  }

  runRelease(runId: string, token: string): boolean {
    return (
      Number(
        this.q(
          'UPDATE runs SET lease_token = NULL, lease_host = NULL, lease_pid = NULL, lease_started_at = NULL, lease_heartbeat_at = NULL, lease_until = NULL WHERE run_id = ? AND lease_token = ?',
        ).run(runId, token).changes,
      ) > 0
    );
  }

  private toRun(r: Row): RunRecord {
    const out: RunRecord = {
      runId: String(r.run_id),
      program: String(r.program),
      entryFlow: String(r.entry_flow),
      status: r.status as RunRecord['status'],
      startedAt: Number(r.started_at),
      args: parse(r.args),
    };
    if (r.finished_at !== null) out.finishedAt = Number(r.finished_at);
    if (r.result !== null) out.result = parse(r.result);
    if (r.error !== null) out.error = parse(r.error);
    // lease_* are absent in a schema-1 file opened read-only
    if (r.lease_token !== null && r.lease_token !== undefined) {
      out.lease = {
        host: String(r.lease_host),
        pid: Number(r.lease_pid),
        token: String(r.lease_token as string),
        startedAt: Number(r.lease_started_at),
        heartbeatAt: Number(r.lease_heartbeat_at),
        expiresAt: Number(r.lease_until),
      };
    }
    return out;
  }

  // ---- Checkpoints

  checkpointPut(cp: Checkpoint): void {
    this.q(
      `INSERT INTO checkpoints(id, run_id, node_id, message, display_data, status, human_input, snapshot, created_at, resumed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET status = excluded.status, human_input = excluded.human_input, resumed_at = excluded.resumed_at, snapshot = excluded.snapshot`,
    ).run(
      cp.id,
      cp.runId,
      cp.nodeId,
      cp.message,
      JSON.stringify(cp.displayData),
      cp.status,
      json(cp.humanInput),
      JSON.stringify(cp.snapshot),
      cp.createdAt,
      cp.resumedAt ?? null,
    );
  }

  checkpointGet(id: string): Checkpoint | undefined {
    const r = this.get('SELECT * FROM checkpoints WHERE id = ?', id);
    return r && this.toCheckpoint(r);
  }

  checkpointList(status?: Checkpoint['status']): Checkpoint[] {
    const rows = status
      ? this.all('SELECT * FROM checkpoints WHERE status = ? ORDER BY created_at', status)
      : this.all('SELECT * FROM checkpoints ORDER BY created_at');
    return rows.map((r) => this.toCheckpoint(r));
  }

  private toCheckpoint(r: Row): Checkpoint {
    const cp: Checkpoint = {
      id: String(r.id),
      runId: String(r.run_id),
      nodeId: Number(r.node_id),
      message: String(r.message),
      displayData: parse(r.display_data),
      status: r.status as Checkpoint['status'],
      snapshot: parse(r.snapshot),
      createdAt: Number(r.created_at),
    };
    const hi = optParse(r.human_input);
    if (hi !== undefined) cp.humanInput = hi;
    const ra = optNum(r.resumed_at);
    if (ra !== undefined) cp.resumedAt = ra;
    return cp;
  }

  // ---- Queues

  queuePush(queue: string, data: Value, now = Date.now()): string {
    const taskId = randomUUID();
    this.q("INSERT INTO queue_tasks(task_id, queue, data, status, created_at) VALUES (?, ?, ?, 'pending', ?)").run(
      taskId,
      queue,
      JSON.stringify(data),
      now,
    );
    return taskId;
  }

  queueClaim(queue: string, agentId: string, leaseMs: number, now = Date.now()): QueueTask | undefined {
    return inTransaction(this.db, () => {
      const r = this.get(
        "SELECT * FROM queue_tasks WHERE queue = ? AND (status = 'pending' OR (status = 'claimed' AND lease_until < ?)) ORDER BY seq LIMIT 1",
        queue,
        now,
      );
      if (!r) return undefined;
      const token = randomUUID();
      this.q("UPDATE queue_tasks SET status = 'claimed', claimed_by = ?, claim_token = ?, lease_until = ? WHERE seq = ?").run(
        agentId,
        token,
        now + leaseMs,
        Number(r.seq),
      );
      return this.toTask({ ...r, status: 'claimed', claimed_by: agentId, claim_token: token, lease_until: now + leaseMs });
    });
  }

  queueComplete(taskId: string, claimToken: string, result: Value, success: boolean): boolean {
    const r = this.q("UPDATE queue_tasks SET status = ?, result = ? WHERE task_id = ? AND claim_token = ? AND status = 'claimed'").run(
      success ? 'done' : 'failed',
      JSON.stringify(result),
      taskId,
      claimToken,
    );
    return Number(r.changes) > 0;
  }

  queueList(queue: string): QueueTask[] {
    return this.all('SELECT * FROM queue_tasks WHERE queue = ? ORDER BY seq', queue).map((r) => this.toTask(r));
  }

  private toTask(r: Row): QueueTask {
    const t: QueueTask = {
      taskId: String(r.task_id),
      queue: String(r.queue),
      data: parse(r.data),
      status: r.status as QueueTask['status'],
      createdAt: Number(r.created_at),
    };
    if (r.claimed_by != null) t.claimedBy = String(r.claimed_by as string);
    if (r.claim_token != null) t.claimToken = String(r.claim_token as string);
    if (r.lease_until != null) t.leaseUntil = Number(r.lease_until);
    if (r.result != null) t.result = parse(r.result);
    return t;
  }

  schemaVersion(): number {
    return this.version;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stmts.clear();
    this.db.close();
  }
}
