// A report's files through presigned S3 links: the API answers with a short-lived link (the file
// then comes from S3, not through the Lambda and API Gateway, which cap responses at 6 MB and
// base64-encode binaries), and the delivery carries links that last as long as SigV4 allows.
import { bucketName, headObject, ObjectNotFoundError } from '../../adapters/s3';
import { MAX_PRESIGNED_SECONDS, presignGet, type PresignedLink } from '../../adapters/s3-presign';
import { NotFoundError } from '../../domain/errors';
import { REPORTS_BUCKET } from '../../domain/reports/requests';
import type { ReportRecord } from '../../store/reports';

/** Links the API hands out (GET /reports/{id}/pdf|html): enough to follow the redirect or open it. */
export const REPORT_LINK_SECONDS = 15 * 60;
/** Links in the delivered message: a week, the most a SigV4 link may ask for. */
export const REPORT_DELIVERY_LINK_SECONDS = MAX_PRESIGNED_SECONDS;

export type ReportFileKind = 'html' | 'pdf';

const CONTENT_TYPE: Record<ReportFileKind, string> = { html: 'text/html; charset=utf-8', pdf: 'application/pdf' };

export interface ReportFileLink extends PresignedLink {
  contentType: string;
  bytes: number;
}

/** A presigned GET link to one of the report's files, opening inline under a readable file name. */
export async function reportFileLink(
  r: ReportRecord,
  kind: ReportFileKind,
  seconds: number,
  opts: { mustExist?: boolean } = {},
): Promise<ReportFileLink> {
  const bucket = bucketName(REPORTS_BUCKET);
  const key = kind === 'pdf' ? r.pdfKey : r.htmlKey;
  let bytes = kind === 'pdf' ? r.pdfBytes : r.htmlBytes;
  if (opts.mustExist) {
    try {
      bytes = (await headObject(bucket, key)).bytes;
    } catch (err) {
      if (err instanceof ObjectNotFoundError)
        throw new NotFoundError(`The ${kind} file of report ${r.id} has expired.`);
      throw err;
    }
  }
  const link = await presignGet(bucket, key, {
    expiresInSeconds: seconds,
    contentDisposition: `inline; filename="nocturne-report-${r.id}.${kind}"`,
  });
  return { ...link, contentType: CONTENT_TYPE[kind], bytes };
}
