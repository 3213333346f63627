import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// Every catalogue file is found on disk, so a file someone adds (en/<area>.ts) is checked the
// moment it exists: its French and Arabic twins must exist and match it key for key.

const ROOT = path.resolve('client/lib/i18n');
type Catalogue = Record<string, string>;

/** The languages beside English, with the Intl tag their plural rules come from (as in LOCALES). */
const OTHERS = [
  { code: 'fr', intl: 'fr' },
  { code: 'ar', intl: 'ar-u-nu-latn' },
] as const;

const PLURAL = /^(.*)_(zero|one|two|few|many|other)$/;

function catalogueFiles(code: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, code))
    .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
    .sort();
}

async function load(code: string, file: string): Promise<Catalogue> {
  const module = (await import(/* @vite-ignore */ path.join(ROOT, code, file))) as { default: Catalogue };
  return module.default;
}

async function loadIndex(code: string): Promise<Catalogue> {
  const module = (await import(/* @vite-ignore */ path.join(ROOT, code, 'index.ts'))) as { default: Catalogue };
  return module.default;
}

const placeholders = (text: string): string[] => [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!))].sort();

/** English keys that are plural forms, by base: "list.count" for list.count_one and list.count_other. */
function pluralBases(en: Catalogue): Set<string> {
  const bases = new Set<string>();
  for (const key of Object.keys(en)) {
    const match = PLURAL.exec(key);
    if (match && `${match[1]}_other` in en) bases.add(match[1]!);
  }
  return bases;
}

/**
 * The plural forms a language needs: every form its rules give a whole count from 0 to 200
 * (Arabic: zero, one, two, few, many, other; French: one, other). Its other categories (French
 * "many", for a million) are allowed and fall back to "other" when absent.
 */
function pluralForms(intl: string): { required: Set<string>; allowed: Set<string> } {
  const rules = new Intl.PluralRules(intl);
  const required = new Set<string>();
  for (let n = 0; n <= 200; n++) required.add(rules.select(n));
  return { required, allowed: new Set(rules.resolvedOptions().pluralCategories) };
}

/** Every problem of one translated file against its English twin, as readable lines. */
function compare(en: Catalogue, other: Catalogue, intl: string): string[] {
  const problems: string[] = [];
  const bases = pluralBases(en);
  const { required, allowed } = pluralForms(intl);
  const expected = new Map<string, string>(); // translated key -> the English text it renders
  for (const [key, text] of Object.entries(en)) {
    const match = PLURAL.exec(key);
    if (match && bases.has(match[1]!)) continue;
    expected.set(key, text);
  }
  for (const base of bases) {
    for (const form of required) expected.set(`${base}_${form}`, en[`${base}_other`]!);
    for (const form of allowed) if (!required.has(form) && `${base}_${form}` in other) expected.set(`${base}_${form}`, en[`${base}_other`]!);
  }
  for (const [key, english] of expected) {
    const text = other[key];
    if (text === undefined) {
      problems.push(`missing ${key} (English: "${english}")`);
      continue;
    }
    if (text.trim() === '') problems.push(`empty ${key}`);
    const plural = PLURAL.exec(key);
    const want = placeholders(english);
    const have = placeholders(text);
    // A plural form may name its number in words (Arabic "مجموعتان", two groups) and drop {count}.
    const wantHere = plural && bases.has(plural[1]!) && !have.includes('count') ? want.filter((p) => p !== 'count') : want;
    if (have.join() !== wantHere.join()) problems.push(`${key}: placeholders {${have.join('}, {')}} instead of {${want.join('}, {')}}`);
  }
  for (const key of Object.keys(other)) if (!expected.has(key)) problems.push(`extra key ${key} (not in English)`);
  return problems;
}

describe('message catalogues', () => {
  const englishFiles = catalogueFiles('en');

  it('finds the English catalogue files', () => {
    expect(englishFiles).toContain('app.ts');
  });

  for (const { code, intl } of OTHERS) {
    describe(code, () => {
      it('has a file for every English catalogue file and no other', () => {
        expect(catalogueFiles(code)).toEqual(englishFiles);
      });

      for (const file of englishFiles) {
        it(`${file} has every English key, the same placeholders, no extra key and no empty message`, async () => {
          const file_ = path.join(ROOT, code, file);
          if (!fs.existsSync(file_)) throw new Error(`${code}/${file} is missing: translate en/${file} and register it in ${code}/index.ts`);
          const problems = compare(await load('en', file), await load(code, file), intl);
          expect(problems, `${code}/${file}`).toEqual([]);
        });
      }

      it('registers every file in its index', async () => {
        const index = await loadIndex(code);
        const missing: string[] = [];
        for (const file of catalogueFiles(code)) {
          const catalogue = await load(code, file);
          for (const key of Object.keys(catalogue)) if (index[key] !== catalogue[key]) missing.push(`${file}: ${key}`);
        }
        expect(missing, `${code}/index.ts must spread every file`).toEqual([]);
      });
    });
  }

  it('English registers every file in its index', async () => {
    const index = await loadIndex('en');
    for (const file of englishFiles) for (const key of Object.keys(await load('en', file))) expect(index[key], `en/index.ts lacks ${file}`).toBeDefined();
  });

  it('writes Arabic in Arabic script (a value with no Arabic letter holds only names, numbers and placeholders)', async () => {
    const leftovers: string[] = [];
    for (const file of englishFiles) {
      if (!fs.existsSync(path.join(ROOT, 'ar', file))) continue;
      for (const [key, text] of Object.entries(await load('ar', file))) {
        if (/[\u0600-\u06FF]/.test(text)) continue;
        const words = text.replace(/\{\w+\}/g, '').match(/[A-Za-z]{2,}/g) ?? [];
        if (words.some((w) => !/^(Waymark|W)$/.test(w))) leftovers.push(`${file}: ${key} = "${text}"`);
      }
    }
    expect(leftovers).toEqual([]);
  });
});
