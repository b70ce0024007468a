// The visitor's own files, kept in this browser only when they ask (IndexedDB: the File objects themselves, never
// sent anywhere). One record: {data: File[] | null, teacher: {name, blob, dataset} | null}.

const DB = 'distill-lab-own';
const STORE = 'files';
const KEY = 'kept';

function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** Runs `fn(store)` in one transaction; resolves to the request's result. */
async function withStore(mode, fn) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = fn(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error ?? new Error('the browser refused to store the files'));
    });
  } finally {
    db.close();
  }
}

/** The kept record, or null (also when the browser has no IndexedDB, e.g. some private windows). */
export async function loadKept() {
  try {
    return (await withStore('readonly', (s) => s.get(KEY))) ?? null;
  } catch {
    return null;
  }
}

/** Keeps `record` (replacing what was kept); throws the browser's reason (quota, private mode). */
export function keep(record) {
  return withStore('readwrite', (s) => s.put(record, KEY));
}

/** Forgets what was kept. */
export function forget() {
  return withStore('readwrite', (s) => s.delete(KEY));
}
