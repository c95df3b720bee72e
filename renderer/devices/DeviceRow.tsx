/**
 * One gateway in the live list. Lost gateways stay, greyed, with the time they were last seen.
 */
import type { CSSProperties, KeyboardEvent, Ref } from 'react';
import type { Device } from '../../core/api/schemas.js';
import { absoluteTime, relativeTime } from '../shared/relative-time.js';
import { isUsbOnly, transportBadges, usbModeBadge } from './selectors.js';

export interface DeviceRowProps {
  readonly device: Device;
  readonly index: number;
  readonly now: number;
  readonly isOpen: boolean;
  readonly isActive: boolean;
  readonly style: CSSProperties;
  readonly rowRef: Ref<HTMLDivElement>;
  onOpen(id: string): void;
  onKeyDown(event: KeyboardEvent<HTMLDivElement>, index: number): void;
  onFocusRow(index: number): void;
}

export function DeviceRow({
  device,
  index,
  now,
  isOpen,
  isActive,
  style,
  rowRef,
  onOpen,
  onKeyDown,
  onFocusRow,
}: DeviceRowProps): React.ReactElement {
  const lost = device.state === 'lost';
  const badges = transportBadges(device);
  const mode = device.usb ? usbModeBadge(device.usb) : null;
  const usbOnly = isUsbOnly(device);
  return (
    <div
      ref={rowRef}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={isOpen}
      data-index={index}
      data-testid="device-row"
      data-device-id={device.id}
      data-state={device.state}
      data-usb-mode={device.usb?.mode}
      tabIndex={isActive ? 0 : -1}
      className={`device-grid__row${lost ? ' is-lost' : ''}${isOpen ? ' is-open' : ''}`}
      style={style}
      onClick={() => onOpen(device.id)}
      onFocus={() => onFocusRow(index)}
      onKeyDown={(event) => onKeyDown(event, index)}
    >
      <div role="gridcell" className="device-grid__cell device-grid__name" data-testid="device-row-name">
        {device.name}
      </div>
      <div role="gridcell" className="device-grid__cell device-grid__model" data-testid="device-row-model">
        {device.model}
      </div>
      <div role="gridcell" className="device-grid__cell device-grid__firmware device-grid__mono">
        {usbOnly ? (
          <span className="muted" title="No gateway answered on this USB device" aria-label="not answering">
            —
          </span>
        ) : (
          device.firmware
        )}
      </div>
      <div role="gridcell" className="device-grid__cell device-grid__badges">
        {mode ? (
          <span
            className={`badge usb-mode usb-mode--${mode.tone}`}
            title={device.usb?.meaning}
            data-testid="usb-mode-badge"
            data-tone={mode.tone}
          >
            {mode.label}
          </span>
        ) : null}
        {badges.map((badge) => (
          <span key={badge.key} className={`badge badge--${badge.key}`} title={badge.detail} data-testid="transport-badge">
            {badge.label}
          </span>
        ))}
      </div>
      <div
        role="gridcell"
        className="device-grid__cell device-grid__seen"
        title={absoluteTime(device.lastSeen)}
        data-testid="device-row-last-seen"
      >
        {relativeTime(now, device.lastSeen)}
      </div>
      <div role="gridcell" className="device-grid__cell device-grid__state">
        <span className={`state state--${device.state}`} data-testid="device-row-state">
          {lost ? 'Lost' : 'Online'}
        </span>
      </div>
    </div>
  );
}
