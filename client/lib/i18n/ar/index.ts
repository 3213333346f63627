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
 * The Arabic catalogue: the same keys as English, file for file (test/unit/i18n-catalogues.test.ts
 * checks it). Register a new file here beside its English twin.
 */
const ar: Readonly<Record<string, string>> = {
  ...layout,
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
  ...areas,
  ...retention,
  ...sites,
};
export default ar;
