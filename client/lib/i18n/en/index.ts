import admin from './admin';
import areas from './areas';
import api from './api';
import app from './app';
import consular from './consular';
import detailsLoad from './details-load';
import coordination from './coordination';
import exportMessages from './exports';
import importMessages from './import';
import languages from './languages';
import layout from './layout';
import map from './map';
import places from './places';
import movements from './movements';
import retention from './retention';
import sites from './sites';

/**
 * The English catalogue: the reference every other language must match key for key. Messages
 * use `{name}` placeholders; a key with `_one` / `_other` variants is chosen by `Intl.PluralRules`
 * from the `count` parameter.
 */
const en = {
  ...app,
  ...map,
  ...admin,
  ...coordination,
  ...languages,
  ...importMessages,
  ...api,
  ...exportMessages,
  ...consular,
  ...detailsLoad,
  ...places,
  ...movements,
  ...layout,
  ...areas,
  ...retention,
  ...sites,
} as const;
export default en;
export type MessageKey = keyof typeof en extends infer K ? (K extends `${infer Base}_${'one' | 'other'}` ? Base : K) : never;
