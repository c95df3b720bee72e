/**
 * Saves text the engine made (a flash report) as a file the technician keeps: a Blob link the
 * browser (or Electron) downloads, so it works the same in both hosts and needs no file access.
 */
export function downloadText(fileName: string, mediaType: string, content: string): void {
  const url = URL.createObjectURL(new Blob([content], { type: mediaType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has taken its copy by the time this fires; the URL only holds memory.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
