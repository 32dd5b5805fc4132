/** The few symbols human output uses, in one place (ASCII fallbacks where the terminal may lack them). */
const unicode = process.platform !== 'win32' || !!process.env.WT_SESSION
export const symbols = unicode
  ? { tick: '✔', cross: '✖', info: 'ℹ', warn: '⚠', pending: '~' }
  : { tick: '√', cross: '×', info: 'i', warn: '‼', pending: '~' }
