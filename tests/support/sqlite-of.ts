import type Database from 'better-sqlite3';
import type { Service } from '../../src/main';

/** The SQLite connection under a service, for tests that read or poke the file directly. */
export function sqliteDb(service: Pick<Service, 'database'>): Database.Database {
  if (service.database.engine !== 'sqlite') throw new Error('This test reads the SQLite file directly.');
  return service.database.store.db;
}
