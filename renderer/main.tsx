/**
 * Renderer entry: start the feature services, then render.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.js';
import { startAuditSync } from './audit/audit-service.js';
import { startViewSync } from './app/view.js';
import { startBenchSync } from './bench/bench-service.js';
import { startBundlesSync } from './bundles/bundles-service.js';
import { startDevicesSync } from './devices/devices-service.js';
import { startFlashSync } from './flash/flash-service.js';
import { startProfileSync } from './profile/profile-service.js';
import { startTheme } from './settings/theme.js';
import { startClock } from './shared/clock.js';
import { startStatusSync } from './status/status-service.js';
import './styles/base.css';
import './styles/layout.css';
import './styles/devices.css';
import './styles/bundles.css';
import './styles/flash.css';
import 'uplot/dist/uPlot.min.css';
import './styles/bench.css';
import './styles/audit.css';

startTheme();
startClock();
startStatusSync();
startProfileSync();
startDevicesSync();
startBundlesSync();
startFlashSync();
startBenchSync();
startAuditSync();
startViewSync();

const container = document.getElementById('root');
if (container === null) throw new Error('index.html has no #root element');
createRoot(container).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
