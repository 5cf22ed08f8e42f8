import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import './i18n/index.ts';
import { installTheme } from './theme.ts';
import './styles.css';

// The theme before the first paint: no flash of the wrong one.
installTheme();

// Shared invite links are `/join/CODE` (the server answers every page path with the app): turn
// them into the app's own route, which opens the join form with the code filled in.
const invite = /^\/join\/([A-Za-z0-9-]{1,32})\/?$/.exec(window.location.pathname);
if (invite) window.history.replaceState(null, '', `/${window.location.search}#/join/${invite[1]!.toUpperCase()}`);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
