/**
 * Checks Adaptive Cards with the `adaptivecards` package (Microsoft's renderer library; its parser runs in
 * Node without a DOM when loaded from its bundled build). A card passes when:
 * - it declares version 1.5 and the parser, targeting 1.5, reports nothing (unknown element or action
 *   types, invalid enum values, features newer than 1.5);
 * - `validateProperties` reports nothing (duplicate ids, missing required properties);
 * - serialising the parsed card gives back the input: anything the parser silently dropped (a misspelt
 *   or unknown property, a value of the wrong type) shows up as a difference;
 * - every action `fallback` passes the same checks as an action of its own;
 * - an `Input.ChoiceSet`'s `choices.data` (Teams' dynamic type-ahead: a `Data.Query` answered by the bot's
 *   `application/search` invoke) names a dataset and nothing else Teams does not know. The schema lists it
 *   from 1.6, but Teams reads it in cards of any version (its typeahead documentation's sample card is 1.2),
 *   so it is checked here and taken out before the 1.5 parser sees the card.
 */

interface SerializationContextLike {
  eventCount: number;
  getEventAt(index: number): { message: string };
}
interface AdaptiveCardLike {
  parse(json: unknown, context: SerializationContextLike): void;
  toJSON(context: SerializationContextLike): unknown;
  validateProperties(): { validationEvents: { message: string }[] };
}
interface AdaptiveCardsModule {
  AdaptiveCard: new () => AdaptiveCardLike;
  SerializationContext: new (version: unknown) => SerializationContextLike;
  Versions: { v1_5: unknown };
}

// The package's `lib/` build is extensionless ESM that Node cannot load; `dist/` is a UMD bundle.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AC = require('adaptivecards/dist/adaptivecards.js') as AdaptiveCardsModule;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Problems with a card, empty when it is a valid Adaptive Card 1.5. */
export function adaptiveCardProblems(card: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(card) || card.type !== 'AdaptiveCard') return ['not an AdaptiveCard'];
  if (card.version !== '1.5') problems.push(`version is ${JSON.stringify(card.version)}, expected "1.5"`);
  const fallbacks: { path: string; action: Json }[] = [];
  const withoutFallbacks = stripFallbacks(card as Json, '', fallbacks);
  const queries: { path: string; query: Json }[] = [];
  problems.push(...parseProblems(stripDataQueries(withoutFallbacks, '', queries)));
  for (const { path, query } of queries)
    problems.push(...dataQueryProblems(query).map((p) => `${path}: ${p}`));
  for (const { path, action } of fallbacks) {
    const wrapper = { type: 'AdaptiveCard', version: '1.5', actions: [action] };
    problems.push(...parseProblems(wrapper).map((problem) => `fallback at ${path}: ${problem}`));
  }
  return problems;
}

function parseProblems(json: Json): string[] {
  const problems: string[] = [];
  const parsed = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  parsed.parse(json, context);
  for (let i = 0; i < context.eventCount; i += 1) problems.push(context.getEventAt(i).message);
  for (const event of parsed.validateProperties().validationEvents) problems.push(event.message);
  const roundTrip = parsed.toJSON(new AC.SerializationContext(AC.Versions.v1_5)) as Json;
  problems.push(...differences(json, roundTrip, ''));
  return problems;
}

/** Removes `fallback` from actions (the parser keeps it but does not write it back) and collects them. */
function stripFallbacks(node: Json, path: string, found: { path: string; action: Json }[]): Json {
  if (Array.isArray(node)) return node.map((item, i) => stripFallbacks(item, `${path}/${i}`, found));
  if (!isObject(node)) return node;
  const copy: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'fallback' && typeof node.type === 'string' && node.type.startsWith('Action.')) {
      found.push({ path, action: value });
      continue;
    }
    copy[key] = stripFallbacks(value, `${path}/${key}`, found);
  }
  return copy;
}

/** Removes `choices.data` from `Input.ChoiceSet`s (see the module comment) and collects it. */
function stripDataQueries(node: Json, path: string, found: { path: string; query: Json }[]): Json {
  if (Array.isArray(node)) return node.map((item, i) => stripDataQueries(item, `${path}/${i}`, found));
  if (!isObject(node)) return node;
  const copy: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'choices.data' && node.type === 'Input.ChoiceSet') {
      found.push({ path: `${path}/${key}`, query: value });
      continue;
    }
    copy[key] = stripDataQueries(value, `${path}/${key}`, found);
  }
  return copy;
}

/** Problems with a `Data.Query` as Teams documents it. */
function dataQueryProblems(query: Json): string[] {
  if (!isObject(query)) return ['not an object'];
  const problems: string[] = [];
  if (query.type !== 'Data.Query')
    problems.push(`type is ${JSON.stringify(query.type)}, expected "Data.Query"`);
  if (typeof query.dataset !== 'string' || query.dataset === '') problems.push('no dataset');
  const known = ['type', 'dataset', 'value', 'count', 'skip', 'associatedInputs'];
  for (const key of Object.keys(query)) if (!known.includes(key)) problems.push(`unknown property ${key}`);
  return problems;
}

function differences(expected: Json, actual: Json, path: string): string[] {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length)
      return [`${path || '/'}: the parser kept ${JSON.stringify(actual)?.slice(0, 80)}`];
    return expected.flatMap((item, i) => differences(item, actual[i] as Json, `${path}/${i}`));
  }
  if (isObject(expected)) {
    if (!isObject(actual)) return [`${path || '/'}: dropped by the parser`];
    const problems: string[] = [];
    for (const key of Object.keys(expected)) {
      if (!(key in actual)) problems.push(`${path}/${key}: unknown or invalid, dropped by the parser`);
      else problems.push(...differences(expected[key] as Json, actual[key] as Json, `${path}/${key}`));
    }
    return problems;
  }
  return expected === actual
    ? []
    : [`${path}: ${JSON.stringify(expected)} became ${JSON.stringify(actual)} in the parser`];
}

function isObject(value: unknown): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The Adaptive Card attachments of a Bot Framework activity. */
export function cardsOf(activity: Record<string, unknown> | undefined): Record<string, unknown>[] {
  const attachments = (activity?.attachments ?? []) as { contentType?: string; content?: unknown }[];
  return attachments
    .filter((a) => a.contentType === 'application/vnd.microsoft.card.adaptive')
    .map((a) => a.content as Record<string, unknown>);
}

/** Every action in a card (top level, ActionSets, containers), with its fallback left in place. */
export function actionsOf(card: unknown): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (isObject(node)) {
      if (typeof node.type === 'string' && node.type.startsWith('Action.')) found.push(node);
      for (const [key, value] of Object.entries(node)) if (key !== 'fallback') walk(value);
    }
  };
  walk(card);
  return found;
}

/** All TextBlock texts of a card, in order, for assertions on what it says. */
export function textsOf(card: unknown): string[] {
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (isObject(node)) {
      if (node.type === 'TextBlock' && typeof node.text === 'string') found.push(node.text);
      if (node.type === 'FactSet' && Array.isArray(node.facts)) {
        for (const fact of node.facts) if (isObject(fact)) found.push(`${fact.title}: ${fact.value}`);
      }
      for (const value of Object.values(node)) walk(value);
    }
  };
  walk(card);
  return found;
}
