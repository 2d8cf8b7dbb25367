import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Injectable, NotFoundException } from '@nestjs/common';
import { httpMessages } from '../metaqueue.messages.js';

/** A file the page loads, read once. */
export interface BoardAsset {
  contentType: string;
  body: Buffer;
}

const own = (file: string) => new URL(`./assets/${file}`, import.meta.url);
// uPlot comes from the installed package: no CDN, and no copy of it to keep up to date.
const uplot = (file: string) => createRequire(import.meta.url).resolve(`uplot/dist/${file}`);

/** Every asset by the name the page asks for: nothing outside this list is ever read. */
const sources: Record<string, { path: URL | string; contentType: string }> = {
  'board.js': { path: own('board.js'), contentType: 'text/javascript; charset=utf-8' },
  'board.css': { path: own('board.css'), contentType: 'text/css; charset=utf-8' },
  'uPlot.iife.min.js': {
    path: uplot('uPlot.iife.min.js'),
    contentType: 'text/javascript; charset=utf-8',
  },
  'uPlot.min.css': { path: uplot('uPlot.min.css'), contentType: 'text/css; charset=utf-8' },
};

/** Paths that can go into the page's markup as they are. */
export const plainPath = /^\/[A-Za-z0-9._~\-/]*$/;

/** The page and its scripts and styles, served from the package's own files. */
@Injectable()
export class BoardAssets {
  private readonly assets = new Map<string, BoardAsset>();
  private readonly template: string;

  constructor() {
    for (const [name, { path, contentType }] of Object.entries(sources)) {
      this.assets.set(name, { contentType, body: readFileSync(path) });
    }
    this.template = readFileSync(own('index.html'), 'utf8');
  }

  /**
   * The page, loading its assets and JSON from `base`: the path it was
   * requested at (which includes a global prefix), if that is plain, else
   * `fallback`, the configured path.
   */
  page(requested: string, fallback: string): string {
    const path = requested.split('?')[0].replace(/\/+$/, '');
    const base = plainPath.test(path) && !path.includes('//') ? path : fallback;
    return this.template.replaceAll('{{base}}', base);
  }

  get(name: string): BoardAsset {
    const asset = this.assets.get(name);
    if (!asset) throw new NotFoundException(httpMessages.unknownAsset(name));
    return asset;
  }
}
