// A report's API links (they always work, with a token): apart from ./deliver and ./files, so that
// reading report records does not load the S3, SES and SNS clients (issue 15, decision 0011).

export function reportLinks(id: string): { html: string; pdf: string; json: string } {
  const base = (process.env.PUBLIC_BASE_URL ?? '').replace(/\/+$/, '');
  return { html: `${base}/reports/${id}/html`, pdf: `${base}/reports/${id}/pdf`, json: `${base}/reports/${id}` };
}
