import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import {
  COLOR_ICON_SIZE,
  ICON_BACKGROUND,
  OUTLINE_ICON_SIZE,
  drawColorIcon,
  drawOutlineIcon,
} from '../../scripts/make-teams-icons';

const TEAMS_DIR = path.resolve(__dirname, '../../manifests/teams');

function readIcon(file: string): PNG {
  return PNG.sync.read(readFileSync(path.join(TEAMS_DIR, file)));
}

function hex(png: PNG, x: number, y: number): string {
  const i = (y * png.width + x) * 4;
  return `#${[png.data[i], png.data[i + 1], png.data[i + 2]]
    .map((channel) => (channel ?? 0).toString(16).padStart(2, '0'))
    .join('')}`.toUpperCase();
}

describe('Teams icons', () => {
  it('color.png is 192×192, opaque, with the accent colour as background', () => {
    const png = readIcon('color.png');
    expect([png.width, png.height]).toEqual([COLOR_ICON_SIZE, COLOR_ICON_SIZE]);
    expect([png.width, png.height]).toEqual([192, 192]);
    for (let i = 3; i < png.data.length; i += 4) expect(png.data[i]).toBe(255);
    const manifest = JSON.parse(readFileSync(path.join(TEAMS_DIR, 'manifest.template.json'), 'utf8')) as {
      accentColor: string;
    };
    expect(hex(png, 0, 0)).toBe(ICON_BACKGROUND.toUpperCase());
    expect(manifest.accentColor.toUpperCase()).toBe(ICON_BACKGROUND.toUpperCase());
    expect(
      new Set(Array.from({ length: png.width }, (_, x) => hex(png, x, png.height / 2))).size,
    ).toBeGreaterThan(3);
  });

  it('outline.png is 32×32, only white or fully transparent, and transparent somewhere', () => {
    const png = readIcon('outline.png');
    expect([png.width, png.height]).toEqual([OUTLINE_ICON_SIZE, OUTLINE_ICON_SIZE]);
    expect([png.width, png.height]).toEqual([32, 32]);
    const offending: string[] = [];
    let transparent = 0;
    let visible = 0;
    for (let i = 0; i < png.data.length; i += 4) {
      const [r, g, b, a] = png.data.subarray(i, i + 4);
      if (a === 0) transparent++;
      else if (r === 255 && g === 255 && b === 255) visible++;
      else offending.push(`pixel ${i / 4}: rgba(${r}, ${g}, ${b}, ${a})`);
    }
    expect(offending).toEqual([]);
    expect(transparent).toBeGreaterThan(0);
    expect(visible).toBeGreaterThan(0);
    // Corners are background.
    for (const [x, y] of [
      [0, 0],
      [31, 0],
      [0, 31],
      [31, 31],
    ] as const) {
      expect(png.data[(y * png.width + x) * 4 + 3]).toBe(0);
    }
  });

  it.each([
    ['color.png', drawColorIcon],
    ['outline.png', drawOutlineIcon],
  ])('%s is what scripts/make-teams-icons.ts draws', (file, draw) => {
    const committed = readIcon(file);
    const drawn = draw();
    expect([committed.width, committed.height]).toEqual([drawn.width, drawn.height]);
    expect(Buffer.compare(committed.data, drawn.data)).toBe(0);
  });
});
