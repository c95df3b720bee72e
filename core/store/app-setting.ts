/**
 * One small engine setting kept in `app_state` (migration 3) as JSON, e.g. the site name the
 * audit log records with every entry.
 */
import type { Db } from './database.js';

export class AppSetting<T> {
  constructor(
    private readonly db: Db,
    private readonly key: string,
    private readonly accept: (value: unknown) => value is T,
  ) {}

  /** The stored value, or null when unset or unreadable (an unreadable value is not trusted). */
  get(): T | null {
    const row = this.db.prepare('SELECT value FROM app_state WHERE key = ?').get(this.key) as { value: string } | undefined;
    if (!row) return null;
    try {
      const value: unknown = JSON.parse(row.value);
      return this.accept(value) ? value : null;
    } catch {
      return null;
    }
  }

  set(value: T | null): void {
    if (value === null) this.db.prepare('DELETE FROM app_state WHERE key = ?').run(this.key);
    else this.db.prepare('INSERT OR REPLACE INTO app_state (key, value) VALUES (?, ?)').run(this.key, JSON.stringify(value));
  }
}
