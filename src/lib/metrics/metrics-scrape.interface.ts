/** One scrape: the exposition and the Content-Type to send it with. */
export interface MetricsScrape {
  contentType: string;
  body: string;
}
