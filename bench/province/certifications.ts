// Phase 7: what data alone decided — every certification, read through the API before any
// member of staff acts on the manual-check queue.
import { bar } from './progress.ts';
import { pages, type Service } from './service.ts';

export interface CertItem {
  nationalId: string;
  status: string;
  certifiedAt: string | null;
  certifiedUntil: string | null;
  method: string | null;
  score: number;
  deathDate?: string;
}

/** Keeps only the fields the quality report reads: the API's items carry more, and there is one per pensioner. */
export async function readCertifications(s: Service, pensioners: number): Promise<Map<string, CertItem>> {
  const state = new Map<string, CertItem>();
  const b = bar('read state [{bar}] {value}/{total} certifications', pensioners);
  for await (const items of pages<CertItem>(s, '/v1/certifications')) {
    for (const it of items)
      state.set(it.nationalId, {
        nationalId: it.nationalId,
        status: it.status,
        certifiedAt: it.certifiedAt,
        certifiedUntil: it.certifiedUntil,
        method: it.method,
        score: it.score,
        deathDate: it.deathDate,
      });
    b.update(state.size);
  }
  b.stop();
  return state;
}
