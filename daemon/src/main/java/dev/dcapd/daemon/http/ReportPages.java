package dev.dcapd.daemon.http;

import dev.dcapd.daemon.api.AnswerMessages;
import dev.dcapd.daemon.api.AttestationFailure;
import dev.dcapd.daemon.store.StoreException;
import dev.dcapd.daemon.api.Attestations;
import dev.dcapd.daemon.api.StoredCollaterals;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.quote.Quote;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * The pages for people: {@code GET /reports/{checksum}} shows a stored quote as it is judged now;
 * {@code GET /} takes a quote (a file or hex) and lists recent ones; {@code POST /reports}
 * verifies an upload and answers 303 to its report, whatever the verdict, or shows the form again
 * with why the upload was refused. Server-rendered from FreeMarker templates, usable without
 * JavaScript, with one stylesheet and one optional script served here under a
 * Content-Security-Policy that allows nothing from elsewhere. Other paths are not its own: it
 * leaves them to the next handler (or the JSON 404).
 */
public final class ReportPages extends Handler.Abstract {
  static final String REPORTS = "/reports";
  /** The home page's query parameter for the next page of recent quotes (a page token). */
  static final String AFTER = "after";
  static final String STYLESHEET = "/static/dcapd.css";
  static final String SCRIPT = "/static/upload.js";
  static final String HTML_TYPE = "text/html; charset=utf-8";
  static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
      + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
  private static final int RECENT = 20;
  private static final System.Logger LOG = System.getLogger("dcapd.http");

  private final Attestations attestations;
  private final AnswerMessages messages;
  private final int maxBodyBytes;
  private final PageTemplates templates = new PageTemplates();
  private final Map<String, Asset> assets;

  /** A file served as it is, read from the jar once. */
  private record Asset(String type, byte[] bytes) {}

  public ReportPages(Attestations attestations, AnswerMessages messages, int maxBodyBytes) {
    this.attestations = attestations;
    this.messages = messages;
    this.maxBodyBytes = maxBodyBytes;
    this.assets = Map.of(
        STYLESHEET, new Asset("text/css; charset=utf-8", resource("pages/dcapd.css")),
        SCRIPT, new Asset("text/javascript; charset=utf-8", resource("pages/upload.js")));
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    String path = Request.getPathInContext(request);
    Asset asset = assets.get(path);
    if (asset == null && !path.equals("/") && !path.equals(REPORTS) && !path.startsWith(REPORTS + "/")) {
      return false;
    }
    try {
      if (asset != null) {
        allow(request, response, HttpMethod.GET, HttpMethod.HEAD);
        serve(response, callback, asset);
      } else if (path.equals("/")) {
        allow(request, response, HttpMethod.GET, HttpMethod.HEAD);
        Fields query = Request.extractQueryParameters(request);
        Optional<String> after = Optional.ofNullable(query.getValue(AFTER)).filter(t -> !t.isEmpty());
        home(response, callback, HttpStatus.OK_200, null, after);
      } else if (path.equals(REPORTS)) {
        allow(request, response, HttpMethod.POST);
        upload(request, response, callback);
      } else {
        allow(request, response, HttpMethod.GET, HttpMethod.HEAD);
        report(path.substring(REPORTS.length() + 1), response, callback);
      }
    } catch (HttpFailure f) {
      errorPage(response, callback, f);
    } catch (AttestationFailure f) {
      errorPage(response, callback, Answers.of(f));
    } catch (StoreException e) {
      LOG.log(e.unavailable() ? System.Logger.Level.WARNING : System.Logger.Level.ERROR, "store failure: {0}", e.getMessage());
      errorPage(response, callback, Answers.of(AttestationFailure.of(e)));
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "internal error answering " + request.getMethod() + " " + path, e);
      errorPage(response, callback,
          new HttpFailure(HttpStatus.INTERNAL_SERVER_ERROR_500, "INTERNAL", "Internal server error"));
    }
    return true;
  }

  /** A stored quote's report, judged now exactly as {@code GET view/{checksum}} answers. */
  private void report(String argument, Response response, Callback callback) {
    if (argument.isEmpty() || argument.indexOf('/') >= 0) {
      throw new HttpFailure(HttpStatus.NOT_FOUND_404, "NOT_FOUND", "There is no page here.");
    }
    Bytes checksum = Attestations.checksum(argument);
    Attestations.Answer a = attestations.getFromMemory(checksum).orElseGet(() -> attestations.get(checksum, () -> {}));
    Optional<StoredCollaterals.Known> collateral = attestations.collateral(a.record().getCollateralId());
    ReportView.Report view = ReportView.of(messages.getResponse(a), a.quote(),
        collateral.map(StoredCollaterals.Known::model), a.at());
    page(response, callback, HttpStatus.OK_200, "report.ftlh", Map.of("report", view));
  }

  /**
   * Verifies an upload as {@code POST verify} does; any verdict (verified or not) goes on to the
   * quote's report, input that is not a quote back to the form.
   */
  private void upload(Request request, Response response, Callback callback) {
    Attestations.Answer a;
    try {
      Quote quote = Attestations.parse(QuoteUpload.read(request, maxBodyBytes));
      a = attestations.verifyFromMemory(quote, false).orElseGet(() -> attestations.verify(quote, false, () -> {}));
    } catch (HttpFailure f) {
      home(response, callback, f.status(), f.getMessage(), Optional.empty());
      return;
    } catch (AttestationFailure f) {
      HttpFailure h = Answers.of(f);
      home(response, callback, h.status(), h.getMessage(), Optional.empty());
      return;
    }
    response.setStatus(HttpStatus.SEE_OTHER_303);
    response.getHeaders().put(HttpHeader.LOCATION, REPORTS + "/" + a.checksum().hex());
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    callback.succeeded();
  }

  private void home(Response response, Callback callback, int status, String error, Optional<String> after) {
    HomeView view = HomeView.of(error, maxBodyBytes, attestations.recent(0, RECENT, after));
    page(response, callback, status, "home.ftlh", Map.of("home", view));
  }

  private void errorPage(Response response, Callback callback, HttpFailure f) {
    try {
      page(response, callback, f.status(), "error.ftlh",
          Map.of("error", new ErrorView(f.status(), HttpStatus.getMessage(f.status()), f.code(), f.getMessage())));
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "the error page failed", e);
      Answers.failure(response, callback, f);
    }
  }

  /** What the error page shows. */
  public record ErrorView(int status, String title, String code, String detail) {}

  private void page(Response response, Callback callback, int status, String template, Map<String, ?> model) {
    byte[] body = templates.render(template, model);
    response.setStatus(status);
    HttpFields.Mutable h = response.getHeaders();
    h.put(HttpHeader.CONTENT_TYPE, HTML_TYPE);
    h.put("Content-Security-Policy", CSP);
    h.put("X-Content-Type-Options", "nosniff");
    h.put("Referrer-Policy", "no-referrer");
    // A report is judged when it is asked for: never shown from a cache without asking again.
    h.put(HttpHeader.CACHE_CONTROL, "no-cache");
    response.write(true, ByteBuffer.wrap(body), callback);
  }

  private static void serve(Response response, Callback callback, Asset asset) {
    response.setStatus(HttpStatus.OK_200);
    HttpFields.Mutable h = response.getHeaders();
    h.put(HttpHeader.CONTENT_TYPE, asset.type());
    h.put("X-Content-Type-Options", "nosniff");
    h.put(HttpHeader.CACHE_CONTROL, "public, max-age=3600");
    response.write(true, ByteBuffer.wrap(asset.bytes()), callback);
  }

  /** 405 with {@code Allow} for a method the path does not take. */
  private static void allow(Request request, Response response, HttpMethod... methods) {
    StringBuilder allowed = new StringBuilder();
    for (HttpMethod m : methods) {
      if (m.is(request.getMethod())) {
        return;
      }
      allowed.append(allowed.length() == 0 ? "" : ", ").append(m.asString());
    }
    response.getHeaders().put(HttpHeader.ALLOW, allowed.toString());
    throw new HttpFailure(HttpStatus.METHOD_NOT_ALLOWED_405, "METHOD_NOT_ALLOWED",
        "This page does not take " + request.getMethod() + ".");
  }

  private static byte[] resource(String name) {
    try (InputStream in = ReportPages.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the daemon's jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
