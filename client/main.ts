import './lib/zod-jitless';
import '@fontsource/noto-sans/400.css';
import '@fontsource/noto-sans/600.css';
import '@fontsource/noto-sans/700.css';
import './app.css';
import { mount } from 'svelte';
import App from './App.svelte';

const target = document.getElementById('app');
if (!target) throw new Error('#app is missing from index.html');

export default mount(App, { target });

// The service worker (built by vite.config.ts) keeps the app openable with no connection. Not in
// development, where Vite serves unhashed modules that must never come from a cache.
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  navigator.serviceWorker
    .register('/sw.js', { scope: '/' })
    .catch((error: unknown) => console.error('waymark: the service worker could not be registered; no offline start', error));
}
