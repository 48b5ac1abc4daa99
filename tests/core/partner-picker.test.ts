import { partnerChoiceId } from '../../src/core/choice-ids';
import type { Form, SelectField } from '../../src/core/messages';
import { coreHarness } from '../support/core-harness';
import { countingStore } from '../support/counting-store';
import { Rapport } from '../../src/core/rapport';
import { recordingLogger } from '../support/silent-logger';

type Harness = Awaited<ReturnType<typeof coreHarness>>;

/** `Partner 001` … `Partner {count}`, so that the last one sorts last by name. */
async function addPartners(h: Harness, count: number): Promise<void> {
  for (let i = 1; i <= count; i++) {
    const reply = await h.say(`add "Partner ${String(i).padStart(3, '0')}"`);
    expect(reply).toContain('Added');
  }
}

async function partnerIdOf(h: Harness, name: string): Promise<number> {
  return (await h.value('SELECT id FROM partners WHERE name = ?', [name])) as number;
}

function pickerOf(form: Form | undefined): SelectField {
  const field = form?.fields.find((f) => f.id === 'partner');
  if (field?.type !== 'select') throw new Error('the form has no partner select');
  return field;
}

describe('partner picker', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await coreHarness();
  });
  afterEach(() => h.close());

  it('lists every partner of a small workspace, searchable, with nothing left to search for', async () => {
    await addPartners(h, 3);

    const picker = pickerOf((await h.rapport.handleCommand(h.actor, 'log', h.now)).openForm);

    expect(picker.search).toBe('partners');
    expect(picker.more).toBeUndefined();
    expect(picker.options.map((o) => o.label)).toEqual(['Partner 001', 'Partner 002', 'Partner 003']);
    expect(picker.initial).toBeUndefined();
  });

  it('pre-selects partner #150 of 150 from its Log button: the first 99 by name, it first, and more to search', async () => {
    await addPartners(h, 150);
    const id = await partnerIdOf(h, 'Partner 150');

    const result = await h.rapport.handleChoice(h.actor, partnerChoiceId(id, 'log'), h.now);
    const picker = pickerOf(result.openForm);

    expect(picker.initial).toBe(String(id));
    expect(picker.options).toHaveLength(100);
    expect(picker.options[0]).toEqual({ value: String(id), label: 'Partner 150' });
    expect(picker.options[1]!.label).toBe('Partner 001');
    expect(picker.options[99]!.label).toBe('Partner 099');
    expect(picker.more).toBe(true);
    expect(picker.search).toBe('partners');
  });

  it('keeps name order when the pre-selected partner is among the first 100', async () => {
    await addPartners(h, 150);
    const id = await partnerIdOf(h, 'Partner 042');

    const form = await h.rapport.openLogForm(h.actor, h.now, { partnerId: id, nudgeId: 7 });
    const picker = pickerOf(form);

    expect(picker.initial).toBe(String(id));
    expect(picker.options.map((o) => o.label).slice(0, 3)).toEqual([
      'Partner 001',
      'Partner 002',
      'Partner 003',
    ]);
    expect(picker.options).toHaveLength(100);
    expect(picker.more).toBe(true);
    expect(form.context).toEqual({ nudgeId: '7' });
  });

  it('builds the form from two small reads, not from every partner', async () => {
    await addPartners(h, 150);
    const counted = countingStore(h.store);
    const rapport = new Rapport({ store: counted.store, logger: recordingLogger(), defaultTimeZone: 'UTC' });
    const id = await partnerIdOf(h, 'Partner 150');
    counted.reset();

    await rapport.openLogForm(h.actor, h.now, { partnerId: id });

    expect(counted.count.topLevel).toEqual(['members.get', 'partners.search', 'partners.get']);
  });

  it('searches names that start with the query first, then names that contain it, each by name', async () => {
    for (const name of ['Nissan', 'Renault Group', 'Alliance Renault', 'renault', 'Toyota'])
      await h.say(`add "${name}"`);

    const labels = async (query: string, limit?: number): Promise<string[]> =>
      (await h.rapport.searchPartners(h.actor, query, h.now, limit)).map((o) => o.label);

    expect(await labels('REN')).toEqual(['renault', 'Renault Group', 'Alliance Renault']);
    expect(await labels('  ren ')).toEqual(['renault', 'Renault Group', 'Alliance Renault']);
    expect(await labels('ren', 1)).toEqual(['renault']);
    expect(await labels('')).toEqual(['Alliance Renault', 'Nissan', 'renault', 'Renault Group', 'Toyota']);
    expect(await labels('volvo')).toEqual([]);
    const [option] = await h.rapport.searchPartners(h.actor, 'nis', h.now);
    expect(option).toEqual({ value: String(await partnerIdOf(h, 'Nissan')), label: 'Nissan' });
  });

  it('answers at most 100 matches however many are asked for, and at least one', async () => {
    await addPartners(h, 150);

    expect(await h.rapport.searchPartners(h.actor, 'partner', h.now)).toHaveLength(100);
    expect(await h.rapport.searchPartners(h.actor, 'partner', h.now, 1_000)).toHaveLength(100);
    expect(await h.rapport.searchPartners(h.actor, 'partner', h.now, 0)).toHaveLength(1);
    expect(await h.rapport.searchPartners(h.actor, 'partner 15', h.now, 15)).toEqual([
      { value: String(await partnerIdOf(h, 'Partner 150')), label: 'Partner 150' },
    ]);
  });

  it('never finds another workspace’s partners', async () => {
    await h.say('add Nissan');
    const { actor: other } = await h.rapport.identify('shell', 'elsewhere', { memberId: 'bo' }, h.now);

    expect(await h.rapport.searchPartners(other, 'nis', h.now)).toEqual([]);
    expect(await h.rapport.searchPartners(h.actor, 'nis', h.now)).toHaveLength(1);
  });
});
