import { loadConfig } from '../src/config';

const TEAMS = { TEAMS_ALLOW_UNAUTHENTICATED: 'true' };

describe('configuration of admins and retention', () => {
  it('keeps finished nudges and digests 400 days unless RETENTION_DAYS says otherwise', () => {
    expect(loadConfig({}, '/srv').retentionDays).toBe(400);
    expect(loadConfig({ RETENTION_DAYS: '90' }, '/srv').retentionDays).toBe(90);
    expect(() => loadConfig({ RETENTION_DAYS: '7' }, '/srv')).toThrow(
      /RETENTION_DAYS: expected a whole number from 30/,
    );
  });

  it('reads TEAMS_ADMINS as a comma-separated list of ids', () => {
    expect(loadConfig(TEAMS, '/srv').teams?.admins).toEqual([]);
    expect(loadConfig({ ...TEAMS, TEAMS_ADMINS: ' aad-1, 29:abc ,' }, '/srv').teams?.admins).toEqual([
      'aad-1',
      '29:abc',
    ]);
    expect(() => loadConfig({ ...TEAMS, TEAMS_ADMINS: 'aad 1' }, '/srv')).toThrow(/TEAMS_ADMINS/);
  });
});
