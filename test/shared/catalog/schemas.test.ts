import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  CATALOG_END,
  CATALOG_START,
  readCatalogSection,
  renderCatalogSection,
  renderSchemaFiles,
  replaceCatalogSection,
  SCHEMAS_DIR,
} from '../../../shared/catalog/catalog-doc.ts';
import { DETAIL_TYPES, type DetailType, EVENT_SOURCE } from '../../../shared/catalog/events.ts';
import { exportSchemas, main } from '../../../shared/catalog/export-schemas.ts';
import {
  RECIPIENT_DETAIL as DETAIL,
  exampleDetail as example,
} from '../../support/catalog-examples.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The detail's own time field: statusAt on recipient events, observedAt otherwise. */
const timeField = (detailType: DetailType) =>
  detailType.startsWith('Recipient') ? 'statusAt' : 'observedAt';

/** An event as an EventBridge rule target receives it. */
function delivered(detailType: DetailType, detail: Record<string, unknown> = example(detailType)) {
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': detailType,
    source: EVENT_SOURCE,
    account: '111122223333',
    time: '2024-05-01T10:00:01Z',
    region: 'eu-west-3',
    resources: [],
    detail,
  };
}

/** A validator built from the committed file's text alone, not from the zod catalog. */
async function committedSchema(detailType: DetailType): Promise<z.ZodType> {
  const text = await readFile(join(ROOT, SCHEMAS_DIR, `${detailType}.json`), 'utf8');
  return z.fromJSONSchema(JSON.parse(text));
}

describe('committed catalog files', () => {
  it('schemas/ holds exactly the freshly rendered schema files', async () => {
    const expected = renderSchemaFiles();
    const present = (await readdir(join(ROOT, SCHEMAS_DIR))).filter((n) => n.endsWith('.json'));
    expect(present.sort()).toEqual([...expected.keys()].sort());
    for (const [name, content] of expected) {
      expect(
        await readFile(join(ROOT, SCHEMAS_DIR, name), 'utf8'),
        `${name} is stale: npm run schemas`,
      ).toBe(content);
    }
  });

  it("README's catalog section is the freshly rendered one", async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    expect(readCatalogSection(readme), 'stale: npm run schemas').toBe(renderCatalogSection());
  });
});

describe('schemas/<DetailType>.json', () => {
  it.each(DETAIL_TYPES)(
    '%s accepts a delivered event and a bare PutEvents entry',
    async (detailType) => {
      const schema = await committedSchema(detailType);
      expect(schema.safeParse(delivered(detailType)).error).toBeUndefined();
      const entry = {
        source: EVENT_SOURCE,
        'detail-type': detailType,
        detail: example(detailType),
      };
      expect(schema.safeParse(entry).error).toBeUndefined();
      expect(
        schema.safeParse(delivered(detailType, { ...example(detailType), replayed: true })).error,
      ).toBeUndefined();
      if (detailType.startsWith('Recipient')) {
        expect(
          schema.safeParse(delivered(detailType, { ...DETAIL, previousStatus: null, cost: null }))
            .error,
        ).toBeUndefined();
      }
    },
  );

  it.each(DETAIL_TYPES)('%s rejects an event whose detail lacks eventId', async (detailType) => {
    const { eventId: _, ...withoutId } = example(detailType);
    const schema = await committedSchema(detailType);
    expect(schema.safeParse(delivered(detailType, withoutId)).success).toBe(false);
  });

  it.each(DETAIL_TYPES)(
    '%s rejects another detail-type, another source, unknown or malformed fields',
    async (detailType) => {
      const schema = await committedSchema(detailType);
      const other = DETAIL_TYPES.find((t) => t !== detailType) as DetailType;
      expect(schema.safeParse(delivered(other)).success).toBe(false);
      expect(schema.safeParse({ ...delivered(detailType), source: 'someone.else' }).success).toBe(
        false,
      );
      const valid = example(detailType);
      expect(schema.safeParse(delivered(detailType, { ...valid, surprise: 1 })).success).toBe(
        false,
      );
      expect(
        schema.safeParse(delivered(detailType, { ...valid, [timeField(detailType)]: 'yesterday' }))
          .success,
      ).toBe(false);
      if (detailType.startsWith('Recipient')) {
        expect(schema.safeParse(delivered(detailType, { ...DETAIL, sequence: 0 })).success).toBe(
          false,
        );
      }
    },
  );

  it('carries the catalog title and description, and ends with a newline', () => {
    for (const [name, content] of renderSchemaFiles()) {
      const json = JSON.parse(content) as { title: string; description: string };
      expect(`${json.title}.json`).toBe(name);
      expect(json.description.length).toBeGreaterThan(0);
      expect(content.endsWith('}\n')).toBe(true);
    }
  });

  it('renders the same bytes every time', () => {
    expect([...renderSchemaFiles()]).toEqual([...renderSchemaFiles()]);
    expect(renderCatalogSection()).toBe(renderCatalogSection());
  });
});

describe('README catalog section', () => {
  it('lists every detail-type and documents every detail field', () => {
    const section = renderCatalogSection();
    for (const detailType of DETAIL_TYPES) {
      expect(section).toContain(`[\`${detailType}\`](schemas/${detailType}.json)`);
    }
    for (const field of ['eventId', 'previousStatus', 'statusAt', 'sequence', 'replayed']) {
      expect(section).toMatch(new RegExp(`^\\| \`${field}\` \\|`, 'm'));
    }
  });

  it('replaces only the text between the markers', () => {
    const readme = `# Title\n\nintro\n\n${CATALOG_START}\nold\n${CATALOG_END}\n\n## After\n`;
    const updated = replaceCatalogSection(readme, '\nnew\n');
    expect(updated).toBe(`# Title\n\nintro\n\n${CATALOG_START}\nnew\n${CATALOG_END}\n\n## After\n`);
    expect(replaceCatalogSection(updated, '\nnew\n')).toBe(updated);
  });

  it.each([
    ['missing', '# Title\n'],
    ['reversed', `${CATALOG_END}\n${CATALOG_START}\n`],
    ['doubled', `${CATALOG_START}\n${CATALOG_END}\n${CATALOG_START}\n${CATALOG_END}\n`],
  ])('refuses a README whose markers are %s', (_, readme) => {
    expect(() => replaceCatalogSection(readme, 'x')).toThrow(/catalog:start/);
  });
});

describe('export-schemas', () => {
  let dir: string | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  async function scratchRepo(): Promise<string> {
    dir = await mkdtemp(join(tmpdir(), 'export-schemas-'));
    await writeFile(join(dir, 'README.md'), `# x\n\n${CATALOG_START}\n${CATALOG_END}\n\nend\n`);
    return dir;
  }

  it('writes every file, then finds nothing stale', async () => {
    const root = await scratchRepo();
    const written = await exportSchemas(root, { check: false });
    expect(written).toHaveLength(DETAIL_TYPES.length + 1);
    expect(await exportSchemas(root, { check: true })).toEqual([]);
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    expect(readme.startsWith(`# x\n\n${CATALOG_START}\n`)).toBe(true);
    expect(readme.endsWith(`${CATALOG_END}\n\nend\n`)).toBe(true);
  });

  it('--check names stale, missing and orphan files, writes nothing, and exits 1', async () => {
    const root = await scratchRepo();
    await exportSchemas(root, { check: false });
    const [first, second] = DETAIL_TYPES;
    await writeFile(join(root, SCHEMAS_DIR, `${first}.json`), '{}\n');
    await rm(join(root, SCHEMAS_DIR, `${second}.json`));
    await writeFile(join(root, SCHEMAS_DIR, 'RecipientGone.json'), '{}\n');
    await mkdir(join(root, SCHEMAS_DIR, 'notes'), { recursive: true });
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((message: string) => {
      errors.push(message);
    });

    expect(await main(['--check'], root)).toBe(1);
    expect(errors.join('\n')).toContain(`${SCHEMAS_DIR}/${first}.json (out of date)`);
    expect(errors.join('\n')).toContain(`${SCHEMAS_DIR}/${second}.json (missing)`);
    expect(errors.join('\n')).toContain(`${SCHEMAS_DIR}/RecipientGone.json (no such detail-type`);
    expect(errors.join('\n')).toContain('npm run schemas');
    expect(await readFile(join(root, SCHEMAS_DIR, `${first}.json`), 'utf8')).toBe('{}\n');

    vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(await main([], root)).toBe(0);
    expect(await main(['--check'], root)).toBe(0);
    expect((await readdir(join(root, SCHEMAS_DIR))).sort()).toEqual(
      [...renderSchemaFiles().keys(), 'notes'].sort(),
    );
  });

  it('fails clearly when the README markers are gone, and rejects unknown arguments', async () => {
    const root = await scratchRepo();
    await writeFile(join(root, 'README.md'), '# no markers\n');
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((message: string) => {
      errors.push(message);
    });
    expect(await main(['--check'], root)).toBe(1);
    expect(errors.at(-1)).toMatch(/catalog:start/);
    expect(await main(['--chek'], root)).toBe(2);
    expect(errors.at(-1)).toMatch(/Unknown argument/);
  });
});
