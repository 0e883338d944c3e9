#include "http/errors.hpp"

namespace paasrun::http {

int status_for(ParseError e) noexcept {
    switch (e) {
        case ParseError::none:
            return 0;
        case ParseError::unsupported_transfer_encoding:
        case ParseError::method_too_long:
            return 501;
        case ParseError::connect_refused:
            return 405;
        case ParseError::unsupported_version:
            return 505;
        case ParseError::request_line_too_long:
            return 414;
        case ParseError::too_many_headers:
        case ParseError::header_too_large:
        case ParseError::trailer_too_large:
            return 431;
        case ParseError::body_too_large:
            return 413;
        default:
            return 400;
    }
}

std::string_view describe(ParseError e) noexcept {
    switch (e) {
        case ParseError::none:
            return "none";
        case ParseError::bad_method:
            return "bad_method";
        case ParseError::bad_target:
            return "bad_target";
        case ParseError::bad_version:
            return "bad_version";
        case ParseError::bad_request_line:
            return "bad_request_line";
        case ParseError::bad_header_name:
            return "bad_header_name";
        case ParseError::bad_header_value:
            return "bad_header_value";
        case ParseError::whitespace_before_colon:
            return "whitespace_before_colon";
        case ParseError::obs_fold:
            return "obs_fold";
        case ParseError::bare_cr:
            return "bare_cr";
        case ParseError::bare_lf:
            return "bare_lf";
        case ParseError::nul_byte:
            return "nul_byte";
        case ParseError::invalid_content_length:
            return "invalid_content_length";
        case ParseError::duplicate_content_length:
            return "duplicate_content_length";
        case ParseError::content_length_with_transfer_encoding:
            return "content_length_with_transfer_encoding";
        case ParseError::bad_transfer_encoding:
            return "bad_transfer_encoding";
        case ParseError::duplicate_host:
            return "duplicate_host";
        case ParseError::bad_host:
            return "bad_host";
        case ParseError::missing_host:
            return "missing_host";
        case ParseError::method_too_long:
            return "method_too_long";
        case ParseError::connect_refused:
            return "connect_refused";
        case ParseError::duplicate_content_type:
            return "duplicate_content_type";
        case ParseError::unsupported_transfer_encoding:
            return "unsupported_transfer_encoding";
        case ParseError::unsupported_version:
            return "unsupported_version";
        case ParseError::request_line_too_long:
            return "request_line_too_long";
        case ParseError::too_many_headers:
            return "too_many_headers";
        case ParseError::header_too_large:
            return "header_too_large";
        case ParseError::body_too_large:
            return "body_too_large";
        case ParseError::bad_chunk_size:
            return "bad_chunk_size";
        case ParseError::chunk_size_overflow:
            return "chunk_size_overflow";
        case ParseError::bad_chunk_extension:
            return "bad_chunk_extension";
        case ParseError::bad_chunk_crlf:
            return "bad_chunk_crlf";
        case ParseError::bad_trailer:
            return "bad_trailer";
        case ParseError::forbidden_trailer:
            return "forbidden_trailer";
        case ParseError::trailer_too_large:
            return "trailer_too_large";
    }
    return "unknown";
}

}  // namespace paasrun::http
