import {
  fileConsentAttachment,
  readExportFileContext,
  readUploadInfo,
  uploadUrlAllowed,
} from '../../../src/channels/teams/file-consent';

describe('Teams file consent', () => {
  it('writes only to HTTPS upload sessions unless authentication is off', () => {
    expect(uploadUrlAllowed('https://contoso-my.sharepoint.com/upload/session', false)).toBe(true);
    expect(uploadUrlAllowed('http://127.0.0.1:9/upload', false)).toBe(false);
    expect(uploadUrlAllowed('http://127.0.0.1:9/upload', true)).toBe(true);
    for (const url of ['file:///etc/passwd', 'ftp://host/x', 'not a url', ''])
      expect(uploadUrlAllowed(url, true)).toBe(false);
  });

  it('asks for a file with its size in bytes and a context that names it', () => {
    const card = fileConsentAttachment(
      { name: 'rapport-x-partners.csv', mimeType: 'text/csv', content: '\uFEFFid,name\r\n1,Nissan é\r\n' },
      0,
    );

    expect(card).toMatchObject({
      contentType: 'application/vnd.microsoft.teams.card.file.consent',
      name: 'rapport-x-partners.csv',
      content: {
        sizeInBytes: 25,
        acceptContext: { export: 'csv', index: 0, name: 'rapport-x-partners.csv' },
      },
    });
    expect(readExportFileContext((card.content as { acceptContext: unknown }).acceptContext)).toEqual({
      export: 'csv',
      index: 0,
      name: 'rapport-x-partners.csv',
    });
  });

  it.each([
    [null],
    ['csv'],
    [{ export: 'xlsx', index: 0, name: 'a' }],
    [{ export: 'csv', index: -1, name: 'a' }],
    [{ export: 'csv', index: 1.5, name: 'a' }],
    [{ export: 'json', index: 0 }],
  ])('reads %j as no context of ours', (value) => {
    expect(readExportFileContext(value)).toBeNull();
  });

  it('needs an upload URL and a name to upload anything', () => {
    expect(readUploadInfo({ name: 'a.csv' })).toBeNull();
    expect(readUploadInfo({ uploadUrl: 'https://x/y', name: 'a.csv', fileType: 'csv' })).toEqual({
      uploadUrl: 'https://x/y',
      name: 'a.csv',
      contentUrl: undefined,
      uniqueId: undefined,
      fileType: 'csv',
    });
  });
});
