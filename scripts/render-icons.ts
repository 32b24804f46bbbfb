/**
 * Renders the SVG sources in resources/icons-src/ (one per tray state, plus the app icon) with
 * resvg into what the platforms want:
 *   resources/tray/<state>-16.png, -16@2x.png, -32.png, -32@2x.png   colour, Windows/Linux
 *   resources/tray/<state>Template.png, Template@2x.png              macOS: black + alpha
 *   resources/tray/<state>.ico                                       Windows: 16 + 32 px
 *   resources/icon.png (1024 px), resources/icon.ico                 installers
 * Each source marks its parts: `data-part="shape"` (filled with the state colour) and
 * `data-part="glyph"` (stroked white on colour; cut out of the template image). States differ
 * by shape — disc + check, disc + arrows, slashed ring, triangle + "!", diamond + arrows,
 * square + bars — so they read without colour. Run: `npm run icons`.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';

const ROOT = join(import.meta.dirname, '..', 'resources');
const SRC = join(ROOT, 'icons-src');
const TRAY = join(ROOT, 'tray');

const PART = /<(circle|path|rect)\b([^>]*?)data-part="(shape|glyph)"([^>]*?)\/>/g;

function parts(svg: string): { shape: string[]; glyph: string[]; colour: string } {
  const colour = /data-colour="([^"]+)"/.exec(svg)?.[1] ?? '#000';
  const out = { shape: [] as string[], glyph: [] as string[], colour };
  for (const m of svg.matchAll(PART)) out[m[3] as 'shape' | 'glyph'].push(`<${m[1]}${m[2]}${m[4]}/>`);
  return out;
}

const wrap = (size: number, body: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 32 32">${body}</svg>`;

function colourSvg(svg: string, size: number): string {
  const p = parts(svg);
  return wrap(size, `<g fill="${p.colour}">${p.shape.join('')}</g><g stroke="#fff">${p.glyph.join('')}</g>`);
}

/** macOS template: black where the shape is, transparent where the glyph cuts through. */
function templateSvg(svg: string, size: number): string {
  const p = parts(svg);
  const mask = `<mask id="m" maskUnits="userSpaceOnUse" x="0" y="0" width="32" height="32"><g fill="#fff">${p.shape.join('')}</g><g stroke="#000">${p.glyph.join('')}</g></mask>`;
  return wrap(size, `<defs>${mask}</defs><rect width="32" height="32" fill="#000" mask="url(#m)"/>`);
}

function png(svg: string): Buffer {
  return Buffer.from(new Resvg(svg, { fitTo: { mode: 'original' } }).render().asPng());
}

/** An .ico holding PNG images (Vista+ reads PNG entries; 256 px is written as 0). */
export function ico(images: readonly { size: number; data: Buffer }[]): Buffer {
  const header = Buffer.alloc(6 + 16 * images.length);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(images.length, 4);
  let offset = header.length;
  images.forEach((image, i) => {
    const at = 6 + 16 * i;
    header.writeUInt8(image.size >= 256 ? 0 : image.size, at);
    header.writeUInt8(image.size >= 256 ? 0 : image.size, at + 1);
    header.writeUInt8(0, at + 2);
    header.writeUInt8(0, at + 3);
    header.writeUInt16LE(1, at + 4);
    header.writeUInt16LE(32, at + 6);
    header.writeUInt32LE(image.data.length, at + 8);
    header.writeUInt32LE(offset, at + 12);
    offset += image.data.length;
  });
  return Buffer.concat([header, ...images.map((i) => i.data)]);
}

mkdirSync(TRAY, { recursive: true });
for (const file of readdirSync(SRC).filter((f) => f.endsWith('.svg'))) {
  const name = file.replace(/\.svg$/, '');
  const svg = readFileSync(join(SRC, file), 'utf8');
  if (name === 'app') {
    writeFileSync(join(ROOT, 'icon.png'), png(colourSvg(svg, 1024)));
    writeFileSync(join(ROOT, 'icon.ico'), ico([16, 32, 48, 64, 128, 256].map((size) => ({ size, data: png(colourSvg(svg, size)) }))));
    continue;
  }
  for (const [suffix, size] of [['-16', 16], ['-16@2x', 32], ['-32', 32], ['-32@2x', 64]] as const) {
    writeFileSync(join(TRAY, `${name}${suffix}.png`), png(colourSvg(svg, size)));
  }
  writeFileSync(join(TRAY, `${name}Template.png`), png(templateSvg(svg, 16)));
  writeFileSync(join(TRAY, `${name}Template@2x.png`), png(templateSvg(svg, 32)));
  writeFileSync(join(TRAY, `${name}.ico`), ico([16, 32].map((size) => ({ size, data: png(colourSvg(svg, size)) }))));
  console.log(`tray/${name}: png 16/32 @1x/@2x, template, ico`);
}
console.log('icon.png, icon.ico');

// A contact sheet for docs/desktop.md and the README: each state in colour (32 and 16 px, shown
// 2× enlarged) and as the macOS template, on light and dark.
const states = ['online', 'syncing', 'offline', 'error', 'conflicts', 'paused'];
const cell = 96;
const sheet: string[] = [];
states.forEach((state, i) => {
  const svg = readFileSync(join(SRC, `${state}.svg`), 'utf8');
  const inner = (body: string, x: number, y: number, size: number) => `<svg x="${x}" y="${y}" width="${size}" height="${size}" viewBox="0 0 32 32">${body}</svg>`;
  const p = parts(svg);
  const colour = `<g fill="${p.colour}">${p.shape.join('')}</g><g stroke="#fff">${p.glyph.join('')}</g>`;
  const black = `<defs><mask id="m${i}" maskUnits="userSpaceOnUse" x="0" y="0" width="32" height="32"><g fill="#fff">${p.shape.join('')}</g><g stroke="#000">${p.glyph.join('')}</g></mask></defs><rect width="32" height="32" fill="#000" mask="url(#m${i})"/>`;
  const x = i * cell;
  sheet.push(inner(colour, x + 16, 8, 64), inner(colour, x + 40, 80, 16), inner(black, x + 16, 104, 32), `<rect x="${x + 8}" y="144" width="80" height="48" fill="#222"/>`, inner(colour, x + 32, 152, 32));
});
const contact = `<svg xmlns="http://www.w3.org/2000/svg" width="${cell * states.length}" height="200"><rect width="100%" height="100%" fill="#fff"/>${sheet.join('')}</svg>`;
writeFileSync(join(ROOT, '..', 'docs', 'screenshots', 'tray-icons.png'), png(contact));
console.log('docs/screenshots/tray-icons.png');
