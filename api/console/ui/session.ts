// The admin key lives in sessionStorage only: never in a URL, a cookie or localStorage; gone with the tab or on sign-out.
const SLOT = 'keyledger.adminKey';

export const readKey = (): string | undefined => sessionStorage.getItem(SLOT) ?? undefined;
export const storeKey = (key: string): void => sessionStorage.setItem(SLOT, key);
export const clearKey = (): void => sessionStorage.removeItem(SLOT);
