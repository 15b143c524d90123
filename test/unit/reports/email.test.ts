// The SES adapter the monthly report e-mails through: one SendEmail per recipient, the HTML as body
// beside the text, the PDF as an attachment.
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { sendEmail } from '../../../shared/adapters/email';

const ses = mockClient(SESv2Client);
afterAll(() => ses.restore());

it('sends text, HTML and the PDF attached', async () => {
  ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
  const pdf = new Uint8Array([0x25, 0x50, 0x44, 0x46]);
  const r = await sendEmail(
    {
      from: 'reports@example.com',
      to: 'cfo@example.com',
      subject: 'Report',
      text: 'plain',
      html: '<p>html</p>',
      attachments: [{ fileName: 'r.pdf', contentType: 'application/pdf', bytes: pdf }],
    },
    new SESv2Client({ region: 'eu-west-1' }),
  );
  expect(r.messageId).toBe('m-1');
  const input = ses.commandCalls(SendEmailCommand)[0]!.args[0].input;
  expect(input.FromEmailAddress).toBe('reports@example.com');
  expect(input.Destination).toEqual({ ToAddresses: ['cfo@example.com'] });
  expect(input.Content?.Simple?.Body).toEqual({
    Text: { Data: 'plain', Charset: 'UTF-8' },
    Html: { Data: '<p>html</p>', Charset: 'UTF-8' },
  });
  expect(input.Content?.Simple?.Attachments).toEqual([
    { FileName: 'r.pdf', ContentType: 'application/pdf', RawContent: pdf, ContentDisposition: 'ATTACHMENT' },
  ]);
});
