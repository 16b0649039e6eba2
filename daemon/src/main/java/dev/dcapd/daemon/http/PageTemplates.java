package dev.dcapd.daemon.http;

import freemarker.core.TemplateClassResolver;
import freemarker.template.Configuration;
import freemarker.template.DefaultObjectWrapperBuilder;
import freemarker.template.Template;
import freemarker.template.TemplateException;
import freemarker.template.TemplateExceptionHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TimeZone;

/**
 * The report pages' FreeMarker templates ({@code pages/*.ftlh} beside this class): HTML output
 * format, so every value is escaped unless a template says otherwise; view models are records,
 * read as {@code obj.field}. A template error is a bug, thrown, never half a page.
 */
final class PageTemplates {
  private final Configuration config;

  PageTemplates() {
    Configuration c = new Configuration(Configuration.VERSION_2_3_35);
    c.setClassForTemplateLoading(PageTemplates.class, "pages");
    c.setDefaultEncoding("UTF-8");
    c.setOutputEncoding("UTF-8");
    c.setLocale(Locale.ROOT);
    c.setTimeZone(TimeZone.getTimeZone("UTC"));
    c.setNumberFormat("computer");
    // Templates ship in the jar: check them once, never again.
    c.setTemplateUpdateDelayMilliseconds(Long.MAX_VALUE);
    c.setTemplateExceptionHandler(TemplateExceptionHandler.RETHROW_HANDLER);
    c.setLogTemplateExceptions(false);
    c.setWrapUncheckedExceptions(true);
    c.setFallbackOnNullLoopVariable(false);
    // Templates print what they are given; they create and reach into nothing else.
    c.setNewBuiltinClassResolver(TemplateClassResolver.ALLOWS_NOTHING_RESOLVER);
    c.setAPIBuiltinEnabled(false);
    c.setObjectWrapper(new DefaultObjectWrapperBuilder(Configuration.VERSION_2_3_35).build());
    this.config = c;
  }

  /** {@code name} (e.g. {@code report.ftlh}) rendered with {@code model}, as UTF-8. */
  byte[] render(String name, Map<String, ?> model) {
    try {
      Template t = config.getTemplate(name);
      ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
      try (Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8)) {
        t.process(model, w);
      }
      return out.toByteArray();
    } catch (IOException | TemplateException e) {
      throw new IllegalStateException("page template " + name + " failed: " + e.getMessage(), e);
    }
  }
}
