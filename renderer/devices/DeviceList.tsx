/**
 * The virtualised device grid: smooth with thousands of rows, fully usable from the keyboard.
 *
 * Focus uses a roving tabindex: one row is in the tab order, arrow keys move it, Enter opens.
 * Rows outside the window are not in the DOM, so moving focus scrolls first, then focuses.
 */
import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { Device } from '../../core/api/schemas.js';
import { useNow } from '../shared/clock.js';
import { DeviceRow } from './DeviceRow.js';

function remInPixels(): number {
  return parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
}

export interface FocusRequest {
  readonly seq: number;
  readonly target: 'first' | 'active';
}

export interface DeviceListProps {
  readonly devices: readonly Device[];
  readonly openId: string | null;
  onOpen(id: string): void;
  /** Moves focus into the list: the search box's ArrowDown (first row), closing the panel (active row). */
  readonly focusRequest: FocusRequest;
}

export function DeviceList({ devices, openId, onOpen, focusRequest }: DeviceListProps): React.ReactElement {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState(0);
  const pendingFocus = useRef<number | null>(null);
  const now = useNow();
  const count = devices.length;
  const activeIndex = Math.min(active, Math.max(0, count - 1));

  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    // Rows are measured after render; the estimate only has to be close (3 rem at any text size).
    estimateSize: () => 3 * remInPixels(),
    getItemKey: (index) => devices[index]?.id ?? index,
    overscan: 8,
  });

  const focusIndex = useCallback(
    (index: number) => {
      if (count === 0) return;
      const target = Math.max(0, Math.min(count - 1, index));
      setActive(target);
      virtualizer.scrollToIndex(target, { align: 'auto' });
      // A row already on screen takes focus now, so fast typing never lands on the old element.
      const row = scrollRef.current?.querySelector<HTMLElement>(`[data-index="${target}"]`);
      if (row !== null && row !== undefined) row.focus({ preventScroll: true });
      else pendingFocus.current = target;
    },
    [count, virtualizer],
  );

  // Runs after every render: the row may only exist once the scroll above has re-rendered.
  useEffect(() => {
    const index = pendingFocus.current;
    if (index === null) return;
    const row = scrollRef.current?.querySelector<HTMLElement>(`[data-index="${index}"]`);
    if (row !== null && row !== undefined) {
      pendingFocus.current = null;
      row.focus({ preventScroll: true });
    }
  });

  // Only a new request should move focus, not a change in the list: read the latest callback.
  const activeRef = useRef(activeIndex);
  activeRef.current = activeIndex;
  const focusIndexRef = useRef(focusIndex);
  focusIndexRef.current = focusIndex;
  useEffect(() => {
    if (focusRequest.seq > 0) focusIndexRef.current(focusRequest.target === 'first' ? 0 : activeRef.current);
  }, [focusRequest]);

  const visibleRows = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 600) / (3 * remInPixels())) - 1);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>, index: number): void => {
    const moves: Record<string, number> = {
      ArrowDown: index + 1,
      ArrowUp: index - 1,
      PageDown: index + visibleRows,
      PageUp: index - visibleRows,
      Home: 0,
      End: count - 1,
    };
    const move = moves[event.key];
    if (move !== undefined) {
      event.preventDefault();
      focusIndex(move);
      return;
    }
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      const device = devices[index];
      if (device !== undefined) onOpen(device.id);
    }
  };

  const items = virtualizer.getVirtualItems();
  // Keep one row in the tab order even when the active one has scrolled out of the DOM.
  const tabRow = items.some((item) => item.index === activeIndex) ? activeIndex : (items[0]?.index ?? -1);

  return (
    <div className="device-grid" role="grid" aria-label="Gateways" aria-rowcount={count + 1} data-testid="device-list">
      <div role="row" aria-rowindex={1} className="device-grid__row device-grid__header">
        <div role="columnheader" className="device-grid__cell">
          Name
        </div>
        <div role="columnheader" className="device-grid__cell">
          Model
        </div>
        <div role="columnheader" className="device-grid__cell">
          Firmware
        </div>
        <div role="columnheader" className="device-grid__cell">
          Transports
        </div>
        <div role="columnheader" className="device-grid__cell">
          Last seen
        </div>
        <div role="columnheader" className="device-grid__cell">
          State
        </div>
      </div>
      <div ref={scrollRef} className="device-grid__scroll" role="rowgroup">
        <div className="device-grid__spacer" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) => {
            const device = devices[item.index];
            if (device === undefined) return null;
            return (
              <DeviceRow
                key={item.key}
                device={device}
                index={item.index}
                now={now}
                isOpen={device.id === openId}
                isActive={item.index === tabRow}
                style={{ transform: `translateY(${item.start}px)` }}
                rowRef={virtualizer.measureElement}
                onOpen={onOpen}
                onKeyDown={onKeyDown}
                onFocusRow={setActive}
              />
            );
          })}
        </div>
      </div>
    </div>
  );
}
